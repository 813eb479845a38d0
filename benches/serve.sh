#!/usr/bin/env bash
# Daemon benchmark: `cert serve` and Debian's puppetserver 7 on copies of one RSA-4096 CA
# directory (made by `cert setup`, autosign = true), driven by benches/serve_load.rs with the
# same kind of fleet (fresh agents: PUT certificate_request + GET certificate), keep-alive and
# new-connection variants, 8 to 64 clients; plus `openssl speed` for the CA key's raw rate.
#
#   benches/serve.sh                       # everything (puppetserver when installed)
#   COUNT=2000 CLIENTS=8,16,64 benches/serve.sh
#   PUPPETSERVER=0 benches/serve.sh        # cert serve only
#
# Environment: COUNT (certs per phase, 1000), CLIENTS (8,64), MODES (keepalive,new),
# AGENT_KEY (ec or rsa: the agents' keys, made before timing; ec), PUPPETSERVER (auto/0),
# PORT (28140 for cert serve, +1 for puppetserver), KEEP (keep the work directory).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000}
CLIENTS=${CLIENTS:-8,64}
MODES=${MODES:-keepalive,new}
AGENT_KEY=${AGENT_KEY:-ec}
PUPPETSERVER=${PUPPETSERVER:-auto}
PORT=${PORT:-28140}

cargo build --release --quiet --bin cert
cargo bench --quiet --bench serve_load --no-run 2>/dev/null
root=$(pwd)
load() { cargo bench --quiet --manifest-path "$root/Cargo.toml" --bench serve_load -- "$@"; }

work=$(mktemp -d /tmp/cert-serve-bench.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$work/cert"
cat >"$work/cert/puppet.conf" <<CONF
[main]
certname = ca.bench
dns_alt_names = localhost,127.0.0.1
autosign = true
CONF
cert() { target/release/cert --config "$work/cert/puppet.conf" --cadir "$work/cert/ca" --ssldir "$work/cert/ssl" "$@"; }
echo "== setup: RSA-4096 CA (cert setup), autosign = true, in $work"
cert setup --subject-alt-names localhost,127.0.0.1 >/dev/null
cp -a "$work/cert" "$work/puppetserver"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== openssl speed -multi $(nproc) rsa4096"
openssl speed -multi "$(nproc)" rsa4096 2>/dev/null | grep -E '^(rsa|\+F)' | tail -2 || true

echo "== cert serve"
load --label "cert serve" --port "$PORT" --cacert "$work/cert/ca/ca_crt.pem" \
    --count "$COUNT" --clients "$CLIENTS" --modes "$MODES" --key "$AGENT_KEY" -- \
    target/release/cert --config "$work/cert/puppet.conf" --cadir "$work/cert/ca" \
    --ssldir "$work/cert/ssl" serve --bind "127.0.0.1:$PORT"
echo "   certificates in inventory.txt: $(wc -l <"$work/cert/ca/inventory.txt")," \
    "serials distinct: $(cut -d' ' -f1 "$work/cert/ca/inventory.txt" | sort -u | wc -l)"

if [ "$PUPPETSERVER" = 0 ] || ! command -v puppetserver >/dev/null; then
    echo "== puppetserver: skipped (PUPPETSERVER=0 or not installed)"
    exit 0
fi
echo "== puppetserver $(puppetserver --version 2>/dev/null | awk '{print $NF}')"
ps="$work/puppetserver"
mkdir -p "$ps/etc" "$ps/var" "$ps/run" "$ps/log" "$ps/code"
cp -a /etc/puppet/puppetserver/conf.d "$ps/conf.d"
cat >"$ps/etc/puppet.conf" <<CONF
[main]
certname = ca.bench
dns_alt_names = localhost,127.0.0.1
ssldir = $ps/ssl
vardir = $ps/var
logdir = $ps/log
rundir = $ps/run
codedir = $ps/code
[server]
cadir = $ps/ca
autosign = true
CONF
sed -i -e 's/ssl-host: .*/ssl-host: 127.0.0.1/' -e "s/ssl-port: .*/ssl-port: $((PORT + 1))/" "$ps/conf.d/webserver.conf"
sed -i -e "s#server-conf-dir: .*#server-conf-dir: $ps/etc#" -e "s#server-code-dir: .*#server-code-dir: $ps/code#" \
    -e "s#server-var-dir: .*#server-var-dir: $ps/var#" -e "s#server-run-dir: .*#server-run-dir: $ps/run#" \
    -e "s#server-log-dir: .*#server-log-dir: $ps/log#" "$ps/conf.d/puppetserver.conf"
sed -i -e "s#access-log-config: .*#access-log-config: /etc/puppet/puppetserver/request-logging.xml#" "$ps/conf.d/webserver.conf"
# The JVM as /usr/share/puppetserver/cli/apps/foreground starts it (JAVA_ARGS from
# /etc/default/puppetserver: -Xms1g -Xmx1g), with this configuration, as the current user.
(
    cd /usr/share/puppetserver
    load --label puppetserver --port "$((PORT + 1))" --cacert "$ps/ca/ca_crt.pem" \
        --count "$COUNT" --clients "$CLIENTS" --modes "$MODES" --key "$AGENT_KEY" --ready-timeout 300 -- \
        /usr/bin/java -Xms1g -Xmx1g -Djruby.logger.class=com.puppetlabs.jruby_utils.jruby.Slf4jLogger \
        -Dlogappender=STDOUT -Djruby.lib=/usr/share/jruby/lib -XX:+CrashOnOutOfMemoryError \
        -jar /usr/share/puppetserver/puppetserver.jar --config "$ps/conf.d" \
        --bootstrap-config /etc/puppet/puppetserver/services.d
)
echo "   certificates in inventory.txt: $(wc -l <"$ps/ca/inventory.txt"), serials distinct:" \
    "$(cut -d' ' -f1 "$ps/ca/inventory.txt" | sort -u | wc -l)"
