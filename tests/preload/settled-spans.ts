import { setTimeout as sleep } from 'node:timers/promises';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import type { OtlpReceiver } from '../support/otlp-receiver.js';

/**
 * Every span received once the batch processor (every 200 ms in the test world) has had
 * time to send whatever ended before the app's last response: what exact-count
 * assertions need, since a late duplicate would otherwise go unseen.
 */
export async function settledSpans(receiver: OtlpReceiver): Promise<ReceivedSpan[]> {
  await sleep(1000);
  return receiver.spans();
}
