# shellcheck shell=bash disable=SC2034  # variables here are read by the scripts
#
# metrics_lib.sh: helpers of the metrics tests (metrics.sh,
# metrics_sandbox.sh), over lib.sh.  Source it after lib.sh.
#
# The metrics are read as Prometheus reads them: over HTTP from inside the
# relay's namespace, and parsed by Debian's python3-prometheus-client
# (prometheus_client.openmetrics.parser for OpenMetrics, its classic
# parser for the text format 0.0.4), with the system's /usr/bin/python3.

OM_PYTHON=/usr/bin/python3

# require_om_parser: the parsers must be there (contrib/install-deps.sh
# installs python3-prometheus-client); never a skip.
require_om_parser() {
	"$OM_PYTHON" -c 'import prometheus_client.openmetrics.parser, prometheus_client.parser' \
	    2>/dev/null ||
	    fail "$OM_PYTHON has no prometheus_client (apt-get install python3-prometheus-client; contrib/install-deps.sh does)"
}

# The helper that fetches, parses and evaluates: see scrape and om_eval.
_METRICS_PY='
import json, socket, sys, time
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
from prometheus_client.parser import text_string_to_metric_families as prom_parse

def http(host, port, raw, timeout=10.0):
    """Sends raw bytes, returns (status, headers dict, body bytes) of the answer."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    s.sendall(raw)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers and int(headers["content-length"]) != len(body) \
            and not raw.startswith(b"HEAD"):
        raise ValueError("Content-Length %s but %d bytes" % (headers["content-length"], len(body)))
    return status, headers, body

def parse(text, om):
    """{"families": {name: [type, unit]}, "samples": {key: value}}; key "name{a=x,b=y}",
    a whole number as an int whichever parser read it."""
    fams, samples = {}, {}
    for f in (om_parse if om else prom_parse)(text):
        fams[f.name] = [f.type, getattr(f, "unit", "")]
        for s in f.samples:
            key = s.name + "{" + ",".join("%s=%s" % kv for kv in sorted(s.labels.items())) + "}"
            if key in samples:
                raise ValueError("the series %s twice" % key)
            v = float(s.value)
            samples[key] = int(v) if v.is_integer() else v
    return {"families": fams, "samples": samples}

def main():
    cmd = sys.argv[1]
    if cmd == "get":          # get HOST PORT PATH OUT: GET, parse, keep
        host, port, path, out = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
        st, h, body = http(host, port, ("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: "
                           "application/openmetrics-text;version=1.0.0\r\n\r\n" % (path, host)).encode())
        open(out + ".txt", "wb").write(body)
        if st != 200:
            print("status %d: %s" % (st, body[:200]))
            sys.exit(4)
        ct = h.get("content-type", "")
        if ct != "application/openmetrics-text; version=1.0.0; charset=utf-8":
            print("Content-Type %r" % ct)
            sys.exit(5)
        json.dump(parse(body.decode("utf-8"), True), open(out, "w"))
    elif cmd == "parse":      # parse om|prom FILE OUT
        text = open(sys.argv[3], encoding="utf-8").read()
        json.dump(parse(text, sys.argv[2] == "om"), open(sys.argv[4], "w"))
    elif cmd == "raw":        # raw HOST PORT PYTHON-BYTES-LITERAL: prints the status line
        st, h, body = http(sys.argv[2], int(sys.argv[3]), eval(sys.argv[4]))
        print(st, h.get("content-type", ""), h.get("allow", ""), body.decode("utf-8", "replace").strip())
    elif cmd == "eval":       # eval FILE EXPR...: m(name, label=value...) is a sample
        d = json.load(open(sys.argv[2]))
        def m(name, **labels):
            key = name + "{" + ",".join("%s=%s" % kv for kv in sorted(labels.items())) + "}"
            if key not in d["samples"]:
                raise LookupError("no sample %s" % key)
            return d["samples"][key]
        def family(name):
            return d["families"][name]
        def total(name, **labels):
            """The sum of the samples of name whose labels include these."""
            n = 0
            for key, v in d["samples"].items():
                k, _, rest = key.partition("{")
                got = dict(p.split("=", 1) for p in rest.rstrip("}").split(",") if p)
                if k == name and all(got.get(a) == b for a, b in labels.items()):
                    n += v
            return n
        rc = 0
        for e in sys.argv[3:]:
            try:
                v = eval(e)
            except Exception as ex:
                sys.stderr.write("%s: %s: %s\n" % (e, type(ex).__name__, ex))
                rc = 2
                v = "<error>"
            print(v if isinstance(v, str) else json.dumps(v))
        sys.exit(rc)

main()
'

# metrics_py ARGS...: the helper above.
metrics_py() {
	"$OM_PYTHON" -c "$_METRICS_PY" "$@"
}

# scrape HOST PORT [PATH]: GET PATH (default /metrics) from inside RELAY;
# the body in $TMP/metrics.json.txt, parsed as OpenMetrics into
# $TMP/metrics.json.  Returns non-zero (and prints why) unless the answer
# is 200 with OpenMetrics' Content-Type and parses.
scrape() {
	timeout 20 ip netns exec "$RELAY" "$OM_PYTHON" -c "$_METRICS_PY" get "$1" "$2" \
	    "${3:-/metrics}" "$TMP/metrics.json"
}

# om_eval EXPR...: the value of each Python expression on the last scrape
# (m(NAME, LABEL=VALUE...) is a sample, total(NAME, LABEL=VALUE...) a sum,
# family(NAME) its [type, unit]); one a line.
om_eval() {
	metrics_py eval "$TMP/metrics.json" "$@"
}

# om_is HOST PORT EXPR VALUE: a fresh scrape makes EXPR print VALUE.
om_is() {
	local v
	scrape "$1" "$2" >/dev/null 2>&1 && v=$(om_eval "$3" 2>/dev/null) && [ "$v" = "$4" ]
}

# wait_om SECONDS HOST PORT EXPR VALUE: waits until om_is; on a timeout
# fails the test, showing the last value.
wait_om() {
	wait_until "$1" om_is "$2" "$3" "$4" "$5" && return 0
	fail "after ${1}s, $4 is '$(om_eval "$4" 2>&1)', expected '$5'; last scrape: $(head -c 3000 "$TMP/metrics.json.txt" 2>/dev/null)"
}

# http_raw HOST PORT BYTES: sends BYTES (a Python bytes literal, e.g.
# "b'GET / HTTP/1.1\r\n\r\n'") from inside RELAY and prints the answer's
# status, Content-Type, Allow and body on one line.
http_raw() {
	timeout 20 ip netns exec "$RELAY" "$OM_PYTHON" -c "$_METRICS_PY" raw "$@"
}

# metrics_pid: the metrics process (the supervisor's child named mcrelay-metrics).
metrics_pid() {
	local p
	for p in $(children_of "$DAEMON_PID"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = mcrelay-metrics ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# metrics_pid_is_not PID: a metrics process runs, and it is not PID.
metrics_pid_is_not() {
	local p
	p=$(metrics_pid) && [ "$p" != "$1" ]
}

# proc_field PID FIELD: the rest of the FIELD: line of /proc/PID/status,
# white space squeezed.
proc_field() {
	local line words
	line=$(grep "^$2:" "/proc/$1/status") || return 1
	read -ra words <<<"${line#*:}"
	echo "${words[*]}"
}
