#!/usr/bin/env bash
# Starts the services the test suites talk to, when they are not running, and checks that each
# answers. Used by .ci/run; a developer can run it too. Fails loudly when a service cannot be had.
set -euo pipefail

fail() { echo "services: $*" >&2; exit 1; }

# PostgreSQL (the machine's own cluster; trust auth on 127.0.0.1).
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
psql "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" -Atc 'select 1' >/dev/null 2>&1 \
  || fail "PostgreSQL at 127.0.0.1:5432 does not answer"
echo "PostgreSQL answers"

# Redis (keeps nothing on disk).
if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG || fail "Redis at 127.0.0.1:6379 does not answer"
echo "Redis answers"

# Tools the document tests use: poppler (pdftoppm, pdftotext, pdffonts) and Ukrainian OCR, to read
# acts of completed work as a person would.
need=()
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/ukr.traineddata 2>/dev/null)" ] || need+=(tesseract-ocr-ukr)
# Chromium: the API reference (Swagger UI) is loaded in a real browser under the security headers.
[ -x /usr/bin/chromium ] || need+=(chromium)
# Dovecot: the e-mail channel's tests start an IMAP server of their own from it (test/support/mail-servers.ts).
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    || fail "cannot install ${need[*]} from Debian's packages"
fi
command -v pdftoppm >/dev/null && command -v tesseract >/dev/null || fail "poppler-utils or tesseract missing"
tesseract --list-langs 2>/dev/null | grep -qx ukr || fail "tesseract has no Ukrainian language data"
echo "poppler and tesseract (ukr) present"
[ -x /usr/bin/chromium ] || fail "chromium missing"
[ -x /usr/sbin/dovecot ] || fail "dovecot missing"
echo "chromium and dovecot present"
