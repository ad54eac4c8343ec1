// Media Source Extensions plumbing: one SourceBuffer per track fed through a queue that respects `updating`,
// trims what is far behind the playhead, and survives QuotaExceededError by evicting old media.

/** How much media to keep behind the playhead (seconds). */
const KEEP_BEHIND = 10;
/** Trim once this much has accumulated behind the playhead, so removals are rare and cheap. */
const TRIM_AT = 15;

/** Seconds from `t` to the end of the buffered range that contains it (0 if none does). */
export function aheadOf(buffered, t, tolerance = 0.05) {
  for (let i = 0; i < buffered.length; i++) {
    if (buffered.start(i) - tolerance <= t && t < buffered.end(i)) return buffered.end(i) - t;
  }
  return 0;
}

/** The start of the first buffered range that begins after `t` (within `maxGap`), or null. */
export function nextRangeStart(buffered, t, maxGap) {
  for (let i = 0; i < buffered.length; i++) {
    const s = buffered.start(i);
    if (s > t && s - t <= maxGap) return s;
  }
  return null;
}

export function rangesToString(buffered) {
  const parts = [];
  for (let i = 0; i < buffered.length; i++) parts.push(`${buffered.start(i).toFixed(2)}-${buffered.end(i).toFixed(2)}`);
  return parts.join(' ');
}

/**
 * One track's SourceBuffer with an append queue. Items are appended strictly in the order `append()` was called.
 * `onAppended(item)` runs after each successful append (item.meta is whatever the caller attached).
 */
export class TrackBuffer {
  /**
   * @param {MediaSource} mediaSource
   * @param {HTMLMediaElement} media
   */
  constructor(mediaSource, media, name, mimeType, { onAppended = null, onError = null } = {}) {
    this.name = name;
    this.mimeType = mimeType;
    this.media = media;
    this.mediaSource = mediaSource;
    this.sb = mediaSource.addSourceBuffer(mimeType);
    this.queue = [];
    this.onAppended = onAppended;
    this.onError = onError;
    this.current = null; // the item being appended
    this.failed = false;
    this.bytesAppended = 0;
    this.quotaEvictions = 0;
    this.sb.addEventListener('updateend', () => this.#updateEnd());
    this.sb.addEventListener('error', () => this.#fail(`the browser could not decode the ${name} track`));
  }

  get buffered() {
    try {
      return this.sb.buffered;
    } catch (_) {
      return { length: 0, start: () => 0, end: () => 0 };
    }
  }

  /** Queues bytes to append; `meta` is handed back to onAppended. */
  append(data, meta = null) {
    if (this.failed) return;
    this.queue.push({ kind: 'append', data, meta });
    this.#pump();
  }

  /** Queues removal of [start, end). */
  remove(start, end) {
    if (this.failed || !(end > start)) return;
    this.queue.push({ kind: 'remove', start, end });
    this.#pump();
  }

  get pending() {
    return this.queue.length + (this.current ? 1 : 0);
  }

  #ready() {
    return !this.failed && this.mediaSource.readyState === 'open' && !this.sb.updating && this.current == null;
  }

  #pump() {
    while (this.queue.length > 0 && this.#ready()) {
      const item = this.queue.shift();
      try {
        this.current = item;
        if (item.kind === 'append') {
          this.sb.appendBuffer(item.data);
        } else {
          this.sb.remove(item.start, item.end);
        }
        return; // wait for updateend
      } catch (e) {
        this.current = null;
        if (e && e.name === 'QuotaExceededError' && item.kind === 'append') {
          this.quotaEvictions++;
          // The buffer is full: retry this item after dropping media the playhead has passed.
          this.queue.unshift(item);
          if (!this.#evict(item.evicted ? 2 : KEEP_BEHIND)) {
            // Nothing left to evict behind the playhead: drop this fragment rather than wedge the queue.
            this.queue.shift();
            console.warn(`treecast: ${this.name} buffer is full; dropped a fragment`);
            continue;
          }
          item.evicted = true;
          return;
        }
        this.#fail(`could not append to the ${this.name} buffer: ${e && e.message ? e.message : e}`);
        return;
      }
    }
  }

  /** Queues (first in line) removal of media older than `keep` seconds behind the playhead; false if none. */
  #evict(keep) {
    const b = this.buffered;
    if (b.length === 0) return false;
    const end = this.media.currentTime - keep;
    if (end <= b.start(0) + 0.1) return false;
    this.queue.unshift({ kind: 'remove', start: 0, end });
    this.#pump();
    return true;
  }

  #updateEnd() {
    const item = this.current;
    this.current = null;
    if (item && item.kind === 'append') {
      this.bytesAppended += item.data.byteLength;
      try {
        this.onAppended?.(item);
      } catch (e) {
        console.error(e);
      }
      this.#trim();
    }
    this.#pump();
  }

  /** Keeps about KEEP_BEHIND seconds behind the playhead. */
  #trim() {
    const b = this.buffered;
    if (b.length === 0) return;
    const t = this.media.currentTime;
    if (t - b.start(0) > TRIM_AT && !this.queue.some((i) => i.kind === 'remove')) {
      this.queue.push({ kind: 'remove', start: 0, end: t - KEEP_BEHIND });
    }
  }

  #fail(message) {
    if (this.failed) return;
    this.failed = true;
    this.queue = [];
    this.onError?.(message);
  }
}
