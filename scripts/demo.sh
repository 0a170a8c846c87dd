#!/usr/bin/env bash
# The main job: two PBL nodes on loopback with mutual TLS, real records, transfers, audits and
# one worker's view of their own history.
#   - a Shanghai node hosting UEBPI-310000 and URRBPI-310000, an Anhui node hosting UEBPI-340000
#     and URRBPI-340000, each with its own signing key and TLS certificate (a demo CA made here
#     with openssl);
#   - generated, realistic records for 3,000 people (about 650,000 contributions and premiums)
#     imported through `pbl import`;
#   - migrant workers moved from Shanghai to Anhui (cross-node, Guobanfa [2009] No. 66) and
#     retired people bridged from the resident to the employee pension in Shanghai (same node,
#     Renshebufa [2014] No. 17);
#   - `pbl audit log` on both nodes and `pbl audit transfers` across them;
#   - one worker's history, chart, entitlement and a portable statement verified offline.
# The nodes are stopped at the end; their data stays in the directory printed last.
#   PBL_DEMO_DIR=/somewhere bash scripts/demo.sh    (default: build/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

bash scripts/setup.sh run
cmake --preset run >/dev/null
cmake --build --preset run --target pbl pbld
pbl="$top/build/run/cli/pbl"
pbld="$top/build/run/rpc/pbld"

demo="${PBL_DEMO_DIR:-$top/build/demo}"
rm -rf "$demo"
mkdir -p "$demo"/{pki,keys,data,records,logs}
cd "$demo"
step() { printf '\n== %s\n' "$*"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

step "1. A demo certificate authority, node certificates and administrator/auditor certificates"
openssl_quiet() { openssl "$@" 2>/dev/null; }
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=pbl-demo-ca" -keyout pki/ca.key -out pki/ca.crt
make_cert() {  # name, extended key usage
  openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "pki/$1.key" -out "pki/$1.csr"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=%s\n' "$2" > "pki/$1.ext"
  openssl_quiet x509 -req -in "pki/$1.csr" -CA pki/ca.crt -CAkey pki/ca.key -CAcreateserial \
    -days 30 -extfile "pki/$1.ext" -out "pki/$1.crt"
  chmod 600 "pki/$1.key"
}
for n in shanghai anhui; do make_cert "$n" serverAuth,clientAuth; done
for n in admin-sh admin-ah auditor; do make_cert "$n" clientAuth; done
ls pki/*.crt

step "2. Node signing keys (Ed25519, C2SP note keys; mode 0600)"
vkey_sh=$("$pbl" keygen --name pbl.demo/shanghai --out keys/shanghai.key)
vkey_ah=$("$pbl" keygen --name pbl.demo/anhui --out keys/anhui.key)
echo "shanghai: $vkey_sh"
echo "anhui:    $vkey_ah"

free_port() {  # the first port from $1 on that nobody listens on
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
port_sh=$(free_port 17443)
port_ah=$(free_port $((port_sh + 1)))
wport_sh=$(free_port $((port_ah + 1)))  # the workers' listeners (no client certificate)
wport_ah=$(free_port $((wport_sh + 1)))
key_of() { "$pbl" cert-key "pki/$1.crt"; }  # what a node pins: the certificate's public key
write_config() {  # id, port, schemes, admin, peer id, peer port, peer vkey, peer schemes, worker port
  cat > "$1.toml" <<EOF
[node]
id = "$1"
origin = "pbl.demo/$1"
schemes = $3
data_dir = "data/$1"
listen = "127.0.0.1:$2"
worker_listen = "127.0.0.1:$9"
signing_key = "keys/$1.key"

[tls]
cert = "pki/$1.crt"
key = "pki/$1.key"
client_ca = "pki/ca.crt"

[[peer]]
id = "$5"
address = "127.0.0.1:$6"
verifier_key = "$7"
identity = "$5"
certificate_key = "$(key_of "$5")"
schemes = $8

[access]
administrators = [{ name = "$4", certificate_key = "$(key_of "$4")" }]
auditors = [{ name = "auditor", certificate_key = "$(key_of auditor)" }]
EOF
}
write_config shanghai "$port_sh" '["UEBPI-310000", "URRBPI-310000"]' admin-sh \
  anhui "$port_ah" "$vkey_ah" '["UEBPI-340000", "URRBPI-340000"]' "$wport_sh"
write_config anhui "$port_ah" '["UEBPI-340000", "URRBPI-340000"]' admin-ah \
  shanghai "$port_sh" "$vkey_sh" '["UEBPI-310000", "URRBPI-310000"]' "$wport_ah"

step "3. Start both nodes on loopback (mutual TLS)"
for n in shanghai anhui; do
  "$pbld" --config "$n.toml" >"logs/$n.log" 2>&1 &
  pids+=($!)
done
for port in "$port_sh" "$port_ah"; do
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done
head -n 1 logs/shanghai.log logs/anhui.log
sh=(--server "127.0.0.1:$port_sh" --ca pki/ca.crt --cert pki/admin-sh.crt --key pki/admin-sh.key)
ah=(--server "127.0.0.1:$port_ah" --ca pki/ca.crt --cert pki/admin-ah.crt --key pki/admin-ah.key)
audit_sh=(--server "127.0.0.1:$port_sh" --ca pki/ca.crt --cert pki/auditor.crt --key pki/auditor.key)
audit_ah=(--server "127.0.0.1:$port_ah" --ca pki/ca.crt --cert pki/auditor.crt --key pki/auditor.key)

step "4. Generate records for 3,000 people (valid GB 11643 ids, yuan with 2 decimals)"
awk -v persons=3000 -v out=records -f "$top/scripts/gen-demo-data.awk"
wc -l records/*.csv | sed 's/^/  /'
head -n 3 records/shanghai.csv

step "5. Enrol and import: every row is validated before anything is appended"
"$pbl" enroll --csv records/shanghai-enrol.csv "${sh[@]}"
"$pbl" enroll --csv records/anhui-enrol.csv "${ah[@]}"
"$pbl" import records/shanghai.csv "${sh[@]}"
"$pbl" import records/anhui.csv "${ah[@]}"
printf 'person_id,scheme_id,period,base,personal,employer,collective_subsidy,government_subsidy\n340104198409010032,UEBPI-310000,2024-13,6000.00,480.00,960.00,,\n' > records/bad.csv
echo "A file with a bad row is refused whole:"
"$pbl" import records/bad.csv "${sh[@]}" || echo "  (exit $?: nothing appended)"

step "6. Move 40 migrant workers from Shanghai to Anhui (cross-node transfers)"
worker=$(head -n 1 records/moves-cross.txt)
while read -r person; do
  "$pbl" transfer start --person-id "$person" --from-node shanghai --from-scheme UEBPI-310000 \
    --to-scheme UEBPI-340000 --date 2025-06-01 "${ah[@]}" --json >> logs/moves-cross.json
done < records/moves-cross.txt
echo "first of them, as Anhui recorded it:"
"$pbl" transfer status "$("$pbl" transfer list "${ah[@]}" --json | awk -F'"' '/"transfer_id"/ {print $4; exit}')" "${ah[@]}"
"$pbl" transfer list "${ah[@]}" | tail -n 1

step "7. Bridge 12 retired people from the resident to the employee pension (one node)"
while read -r person; do
  "$pbl" transfer start --person-id "$person" --from-node shanghai --from-scheme URRBPI-310000 \
    --to-scheme UEBPI-310000 --date 2025-06-01 "${sh[@]}" --json >> logs/moves-bridge.json
done < records/moves-bridge.txt
refused=$("$pbl" transfer list "${sh[@]}" --state voided --json |
  awk -F'"' '/"reason"/ {reason = $4} /"role"/ {role = $4} /"transfer_id"/ {id = $4}
             /^  }/ {if (role == "TRANSFER_ROLE_DESTINATION") print "  " id ": " reason}')
echo "bridging transfers the rules refused, with the reason: ${refused:-none}"
"$pbl" transfer status "$("$pbl" transfer list "${sh[@]}" --state completed --json | awk -F'"' '/"transfer_id"/ && /shanghai-/ {print $4; exit}')" "${sh[@]}" || true

step "8. Audit each node's whole log, then every transfer across the two logs"
"$pbl" audit log --vkey "$vkey_sh" --state-dir audit-state "${audit_sh[@]}"
"$pbl" audit log --vkey "$vkey_ah" --state-dir audit-state "${audit_ah[@]}"
"$pbl" audit transfers --state-dir audit-state --ca pki/ca.crt --cert pki/auditor.crt --key pki/auditor.key \
  --node "shanghai=127.0.0.1:$port_sh" --vkey "shanghai=$vkey_sh" \
  --node "anhui=127.0.0.1:$port_ah" --vkey "anhui=$vkey_ah"

step "9. One worker ($worker): a token, their history, chart and entitlement"
"$pbl" token issue --person-id "$worker" --ttl 3600 --out worker.token "${ah[@]}"
worker_ah=(--server "127.0.0.1:$wport_ah" --ca pki/ca.crt --token-file worker.token)
"$pbl" history --person-id "$worker" "${worker_ah[@]}"
"$pbl" entitlement --person-id "$worker" --scheme-id UEBPI-340000 --as-of 2025-06-01 "${worker_ah[@]}"

step "10. A portable statement, verified offline against the Anhui node's key"
"$pbl" statement export --person-id "$worker" --out statement.txt "${worker_ah[@]}"
"$pbl" statement verify statement.txt --vkey "$vkey_ah"
echo "The same statement with one byte changed:"
awk '!done && /^entry [0-9]+ / { $2 = $2 + 1; done = 1 } { print }' statement.txt > statement-tampered.txt
"$pbl" statement verify statement-tampered.txt --vkey "$vkey_ah" || echo "  (exit $?: refused)"

step "11. Stop the nodes (SIGTERM: in-flight calls finish, nothing half-written)"
cleanup
wait || true
tail -n 1 logs/shanghai.log logs/anhui.log
trap - EXIT
printf '\nDone. The nodes'"'"' data, configs, keys, certificates and logs are in:\n  %s\n' "$demo"
printf 'Start a node again with: %s --config %s/shanghai.toml\n' "$pbld" "$demo"
