/**
 * Pure CMAF / fragmented-MP4 handling for Treecast: no I/O, threads, logging or clocks.
 *
 * <ul>
 *   <li>{@link dev.treecast.media.BoxReader} cuts a chunked byte stream into top-level boxes;</li>
 *   <li>{@link dev.treecast.media.InitSegment} parses {@code ftyp}+{@code moov} into tracks with MSE codec strings
 *       and cuts a standalone init segment per track;</li>
 *   <li>{@link dev.treecast.media.FragmentSplitter} splits a multi-track {@code moof}+{@code mdat} into single-track
 *       fragments, and {@link dev.treecast.media.FragmentRewriter} rewrites their decode time and sequence
 *       number;</li>
 *   <li>{@link dev.treecast.media.CmafDemuxer} glues these together for a live stream, and
 *       {@link dev.treecast.media.Clip} loads a whole file for seamless looped replay.</li>
 * </ul>
 *
 * <p>Buffers are Netty {@link io.netty.buffer.ByteBuf}s; each method says who releases what. Malformed input
 * always surfaces as {@link dev.treecast.media.CmafException}.
 */
package dev.treecast.media;
