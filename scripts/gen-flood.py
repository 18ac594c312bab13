# Flood input for BENCHMARKS.md (issue 12): 1M unknown_key records (valid structure, a kid the registry lacks) over 100k distinct
# minutes in random order (10 per minute), and a control file: the same 1M records with
# scanned_at folded into 10 minutes. Usage: scripts/gen-flood.py OUTDIR (writes flood.jsonl and control.jsonl, 350 MB each)
import base64, json, random, sys
out = sys.argv[1]
rng = random.Random(12)
base = 1_795_219_200_000 - 100_000 * 60_000   # 100k minutes ending at the corpus's day
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
sig = b64(bytes([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]))
scen = [("internet_cafe", '{"venue_id":"VENU-1"}')]
minutes = list(range(100_000)) * 10
rng.shuffle(minutes)
with open(f"{out}/flood.jsonl", "w") as f, open(f"{out}/control.jsonl", "w") as g:
    for i, m in enumerate(minutes):
        for fh, t in ((f, base + m * 60_000 + rng.randrange(60_000)), (g, base + (m % 10) * 60_000 + rng.randrange(60_000))):
            iat = t // 1000 - 10
            payload = b64(json.dumps({"iss": "CQ-YKM", "kid": "flood-unknown", "typ": "P", "sub": "u0123456789ab",
                                      "iat": iat, "exp": iat + 60}, separators=(",", ":")).encode())
            fh.write('{"v":1,"event_id":"fl%010d","scenario":"internet_cafe","district":"500101",'
                     '"terminal_id":"T-500101-00001","scanned_at":%d,"mode":"scan","code":"YKM1.%s.%s",'
                     '"detail":{"venue_id":"VENU-1"}}\n' % (i, t, payload, sig))
