// Just enough ISO BMFF (ISO/IEC 14496-12) to know when a CMAF fragment plays: the track's timescale and default
// sample duration from the init segment, and each fragment's decode time span from moof → traf → tfdt / trun.
// Nothing here touches sample data.

function u32(b, i) {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

function u64(b, i) {
  return u32(b, i) * 0x1_0000_0000 + u32(b, i + 4); // exact below 2^53
}

function fourcc(b, i) {
  return String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);
}

/** The child boxes of the byte range [start, end): `{type, start, end, body}` (body = after the header). */
export function* boxes(b, start = 0, end = b.length) {
  let i = start;
  while (i + 8 <= end) {
    let size = u32(b, i);
    const type = fourcc(b, i + 4);
    let header = 8;
    if (size === 1) {
      if (i + 16 > end) return;
      size = u64(b, i + 8);
      header = 16;
    } else if (size === 0) {
      size = end - i; // to the end of the enclosing range
    }
    if (size < header || i + size > end) return; // malformed or truncated: stop, never read past the range
    yield { type, start: i, end: i + size, body: i + header };
    i += size;
  }
}

function child(b, parent, type) {
  for (const box of boxes(b, parent.body, parent.end)) if (box.type === type) return box;
  return null;
}

/**
 * Reads an init segment (ftyp + moov): per track id, `{timescale, defaultSampleDuration}` from mdhd and
 * mvex/trex (§8.4.2, §8.8.3).
 */
export function parseInit(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const tracks = new Map();
  for (const moov of boxes(b)) {
    if (moov.type !== 'moov') continue;
    for (const box of boxes(b, moov.body, moov.end)) {
      if (box.type === 'trak') {
        const tkhd = child(b, box, 'tkhd');
        const mdia = child(b, box, 'mdia');
        const mdhd = mdia && child(b, mdia, 'mdhd');
        if (!tkhd || !mdhd) continue;
        const tkhdV = b[tkhd.body];
        const trackId = u32(b, tkhd.body + (tkhdV === 1 ? 20 : 12));
        const mdhdV = b[mdhd.body];
        const timescale = u32(b, mdhd.body + (mdhdV === 1 ? 20 : 12));
        const t = tracks.get(trackId) ?? {};
        t.timescale = timescale;
        tracks.set(trackId, t);
      } else if (box.type === 'mvex') {
        for (const trex of boxes(b, box.body, box.end)) {
          if (trex.type !== 'trex') continue;
          // version/flags, track_ID, default_sample_description_index, default_sample_duration, ...
          const trackId = u32(b, trex.body + 4);
          const t = tracks.get(trackId) ?? {};
          t.defaultSampleDuration = u32(b, trex.body + 12);
          tracks.set(trackId, t);
        }
      }
    }
  }
  return tracks;
}

const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x2;
const TFHD_DEFAULT_DURATION = 0x8;
const TRUN_DATA_OFFSET = 0x1;
const TRUN_FIRST_SAMPLE_FLAGS = 0x4;
const TRUN_SAMPLE_DURATION = 0x100;
const TRUN_SAMPLE_SIZE = 0x200;
const TRUN_SAMPLE_FLAGS = 0x400;
const TRUN_SAMPLE_CTO = 0x800;

/**
 * Reads a fragment (moof + mdat): for its first traf, `{trackId, baseMediaDecodeTime, duration, samples}` in the
 * track's timescale, so the fragment spans decode times [base, base + duration). `defaults` comes from
 * `parseInit` (the trex default duration is used when neither tfhd nor trun give one). Returns null if the
 * fragment has no moof/traf/tfdt.
 */
export function parseFragment(bytes, defaults = null) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  for (const moof of boxes(b)) {
    if (moof.type !== 'moof') continue;
    for (const traf of boxes(b, moof.body, moof.end)) {
      if (traf.type !== 'traf') continue;
      let trackId = null;
      let defaultDuration = null;
      let base = null;
      let duration = 0;
      let samples = 0;
      for (const box of boxes(b, traf.body, traf.end)) {
        if (box.type === 'tfhd') {
          // §8.8.7: version/flags, track_ID, then optional fields in flag order.
          const flags = u32(b, box.body) & 0xffffff;
          trackId = u32(b, box.body + 4);
          let i = box.body + 8;
          if (flags & TFHD_BASE_DATA_OFFSET) i += 8;
          if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) i += 4;
          if (flags & TFHD_DEFAULT_DURATION) defaultDuration = u32(b, i);
        } else if (box.type === 'tfdt') {
          // §8.8.12: version 1 = 64-bit baseMediaDecodeTime, version 0 = 32-bit.
          base = b[box.body] === 1 ? u64(b, box.body + 4) : u32(b, box.body + 4);
        } else if (box.type === 'trun') {
          // §8.8.8: sample_count, optional data_offset and first_sample_flags, then a table of optional fields.
          const flags = u32(b, box.body) & 0xffffff;
          const count = u32(b, box.body + 4);
          let i = box.body + 8;
          if (flags & TRUN_DATA_OFFSET) i += 4;
          if (flags & TRUN_FIRST_SAMPLE_FLAGS) i += 4;
          const stride = 4 * [TRUN_SAMPLE_DURATION, TRUN_SAMPLE_SIZE, TRUN_SAMPLE_FLAGS, TRUN_SAMPLE_CTO]
            .filter((f) => flags & f).length;
          samples += count;
          if (flags & TRUN_SAMPLE_DURATION) {
            for (let k = 0; k < count && i + 4 <= box.end; k++, i += stride) duration += u32(b, i);
          } else {
            const d = defaultDuration ?? defaults?.get(trackId)?.defaultSampleDuration ?? 0;
            duration += d * count;
          }
        }
      }
      if (base == null) return null;
      return { trackId, baseMediaDecodeTime: base, duration, samples };
    }
  }
  return null;
}
