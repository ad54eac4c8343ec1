#!/bin/sh
# Regenerates demo.mp4, the built-in 8 s looping demo clip. See README.md for why each flag is there.
# Usage: ./make-demo-clip.sh [output.mp4]   (default: demo.mp4 next to this script)
set -eu
cd "$(dirname "$0")"
OUT="${1:-demo.mp4}"

# One beep per second, 120 ms long, starting at 0.48 s into the second (sample 23040), shaped by a half-sine
# envelope (no clicks); 880 Hz in the first second, 440 Hz after. Written from the sample index n so it is exact.
BEEP='if(between(mod(n,48000),23040,28799),0.5*sin(PI*(mod(n,48000)-23040)/5760)*sin(2*PI*if(lt(n,48000),880,440)*n/48000),0)'

ffmpeg -hide_banner -nostdin -y \
  -f lavfi -i "testsrc2=size=640x360:rate=25:duration=8" \
  -f lavfi -i "color=color=white:size=48x48:rate=25:duration=8" \
  -f lavfi -i "aevalsrc=exprs='${BEEP}|${BEEP}':sample_rate=48000:duration=8" \
  -filter_complex "\
[0:v][1:v]overlay=x='(W-w)/2+220*cos(2*PI*t/8)':y='(H-h)/2+120*sin(2*PI*t/8)':eval=frame,\
drawbox=x=0:y=0:w=iw:h=16:color=white:t=fill:enable='between(mod(n,25),12,14)',format=yuv420p[v];\
[2:a]atrim=start_sample=1024,asetpts=N/SR/TB[a]" \
  -map "[v]" -map "[a]" -frames:a 375 \
  -c:v libx264 -preset medium -profile:v main -level:v 3.0 -crf 23 -bf 0 -g 25 -keyint_min 25 -sc_threshold 0 \
  -c:a aac -b:a 128k -ar 48000 -ac 2 \
  -fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 \
  -use_editlist 0 -frag_duration 200000 \
  -movflags cmaf+frag_keyframe+empty_moov+default_base_moof+delay_moov \
  -f mp4 "$OUT"

ffmpeg -hide_banner -v error -i "$OUT" -f null -
echo "wrote $OUT ($(wc -c < "$OUT") bytes), decodes cleanly"
