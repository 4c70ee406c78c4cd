// Retries calls to the app backend with capped exponential backoff and full jitter.

export const RETRYABLE_STATUS = [408, 425, 429, 500, 502, 503, 504];

export function backoffDelay(attempt, { baseMs = 300, maxMs = 5000, random = Math.random } = {}) {
  const cap = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

/**
 * Parse a Retry-After header (delta seconds or HTTP date) into milliseconds.
 *
 * Returns null when the header is absent or unreadable.
 */
export function retryAfterMs(value, now = Date.now()) {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  if (/^\d+$/.test(String(value).trim())) {
    return Number(value) * 1000;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function defaultSleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * fetch() with retries on network errors and retryable HTTP statuses.
 *
 * `init` may be a function so that each attempt gets a fresh AbortSignal.
 * A user abort (AbortError) is never retried.
 */
export async function fetchWithRetry(fetchFn, url, init, options = {}) {
  const { retries = 2, sleep = defaultSleep, maxRetryAfterMs = 10000 } = options;
  for (let attempt = 0; ; attempt += 1) {
    let response;
    try {
      response = await fetchFn(url, typeof init === 'function' ? init() : init);
    } catch (error) {
      if ((error && error.name === 'AbortError') || attempt >= retries) {
        throw error;
      }
      await sleep(backoffDelay(attempt, options));
      continue;
    }
    if (!RETRYABLE_STATUS.includes(response.status) || attempt >= retries) {
      return response;
    }
    const hinted = retryAfterMs(response.headers && response.headers.get ? response.headers.get('Retry-After') : null);
    await sleep(hinted === null ? backoffDelay(attempt, options) : Math.min(hinted, maxRetryAfterMs));
  }
}
