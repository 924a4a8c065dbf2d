#!/usr/bin/env bash
# Redraws installer/gardu.ico (a booth barrier under a "G"), committed so a build needs no fonts.
# Needs ImageMagick and the DejaVu fonts. Run from anywhere: bash installer/make-icon.sh
set -euo pipefail
cd "$(dirname "$0")"
convert -size 256x256 xc:none -fill '#1f4e79' -draw 'roundrectangle 8,8 247,247 40,40' \
  -fill '#f2f2f2' -draw 'rectangle 40,176 216,196' \
  -fill '#d62828' -draw 'rectangle 76,176 112,196' -draw 'rectangle 148,176 184,196' \
  -fill '#f2f2f2' -draw 'rectangle 36,150 56,224' \
  -fill white -font DejaVu-Sans-Bold -pointsize 150 -gravity north -annotate +0+10 'G' \
  -define icon:auto-resize=256,48,32,16 gardu.ico
echo "installer/gardu.ico redrawn"
