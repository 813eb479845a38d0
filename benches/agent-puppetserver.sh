#!/usr/bin/env bash
# `cert agent` against real puppetserver 7 (Debian 12: apt-get install puppetserver puppet-agent),
# run by hand (not in CI: the server needs ~1 GB and ~40 s to start). Uses /tmp/cert-ps only:
# a copy of puppetserver's conf.d on 127.0.0.1:18140 with its own confdir, ssldir and cadir.
# Checks: autosigned enrollment, refusal of disallowed alt names (exit 4), `puppet ssl verify`
# of the ssldir cert agent wrote, adoption of a `puppet ssl bootstrap` ssldir, revocation
# (exit 4). Usage: benches/agent-puppetserver.sh [path/to/cert]
set -euo pipefail
CERT=${1:-target/debug/cert}
CERT=$(realpath "$CERT")
D=/tmp/cert-ps
rm -rf "$D" && mkdir -p "$D"/{etc,var,run,log,code}
cp -r /etc/puppet/puppetserver/conf.d "$D/conf.d"
sed -i "s#server-conf-dir: /etc/puppet#server-conf-dir: $D/etc#; s#server-code-dir: /etc/puppet/code#server-code-dir: $D/code#; s#server-var-dir: /var/lib/puppetserver#server-var-dir: $D/var#; s#server-run-dir: /run/puppetserver#server-run-dir: $D/run#; s#server-log-dir: /var/log/puppetserver#server-log-dir: $D/log#" "$D/conf.d/puppetserver.conf"
sed -i 's#ssl-host: 0.0.0.0#ssl-host: 127.0.0.1#; s#ssl-port: 8140#ssl-port: 18140#; s#access-log-config.*##' "$D/conf.d/webserver.conf"
printf '[main]\ncertname = localhost\nssldir = %s/ssl\nvardir = %s/var\n[server]\ncadir = %s/ca\nautosign = true\n' "$D" "$D" "$D" > "$D/etc/puppet.conf"
printf '[main]\nkey_type = ec\n' > "$D/agent.conf"
java -Xms512m -Xmx1g -Djruby.lib=/usr/share/jruby/lib -Dlogappender=STDOUT \
  -jar /usr/share/puppetserver/puppetserver.jar --config "$D/conf.d" \
  --bootstrap-config /etc/puppet/puppetserver/services.d > "$D/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
until grep -q "successfully started and is now ready" "$D/server.log"; do
  kill -0 $SERVER 2>/dev/null || { echo "puppetserver did not start; see $D/server.log"; exit 1; }; sleep 2; done
agent() { "$CERT" --ssldir "$D/$1" --config "$D/agent.conf" agent --server localhost:18140 --certname "$1" --onetime --waitforcert 0 "${@:2}"; }
expect() { local want=$1; shift; set +e; "$@"; local got=$?; set -e; [ "$got" = "$want" ] || { echo "FAIL: $* exited $got, not $want"; exit 1; }; }
expect 0 agent node1.test
expect 0 puppet ssl verify --confdir "$D/pc" --vardir "$D/pv" --ssldir "$D/node1.test" --certname node1.test
expect 4 agent node2.test --dns_alt_names extra
puppet ssl bootstrap --confdir "$D/pc" --vardir "$D/pv" --ssldir "$D/node3.test" --certname node3.test --server localhost --serverport 18140 --waitforcert 0
agent node3.test | grep -q "certificate present and valid"
"$CERT" --cadir "$D/ca" --ssldir "$D/ssl" --config "$D/etc/puppet.conf" --revoke node1.test --yes
expect 4 agent node1.test
echo "cert agent against puppetserver: all checks passed"
