// standardwebhooks_receiver.js: a webhook endpoint on 127.0.0.1 that checks
// every request with the Standard Webhooks library for JavaScript (npm
// "standardwebhooks", found through NODE_PATH), as a third-party receiver
// would, independently of scrapewatch's code and of verify_webhook.py.
// Started by webhookd_verify (tests/lib/webhookd.sh).
//
// Usage: node standardwebhooks_receiver.js DIR SECRET_FILE [UPSTREAM]
//
// Listens on a free port of 127.0.0.1 and writes it to DIR/ready once it
// does.  Each request is checked with new Webhook(secret).verify(body,
// headers): the signature over webhook-id, webhook-timestamp and the body,
// and the timestamp within the library's tolerance of now.  A request it
// rejects is answered 401, as a receiver that checks would.  One it
// verifies is answered 200, or, with UPSTREAM (http://127.0.0.1:PORT),
// forwarded there with its headers and body and answered with UPSTREAM's
// answer (webhook_receiver.py's rules: failures, Retry-After, delays,
// dropped connections, which it drops too).
//
// DIR/verdicts.log gets one line per request, written before the answer
// goes out:
//   WEBHOOK-ID VERDICT SKEW STATUS PATH BODY
// WEBHOOK-ID  the header, "-" when there is none
// VERDICT     "verified", or "rejected:" and the library's reason with
//             its spaces as "-" ("rejected:No-matching-signature-found")
// SKEW        seconds from webhook-timestamp to the arrival ("-": none)
// STATUS      the answer's status, "drop" when the connection was closed
// PATH        the request's path
// BODY        the body as received, line breaks as spaces (JSON stays JSON)
// The secret (SECRET_FILE's first line) is never logged.

"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const { Webhook } = require("standardwebhooks");

const [dir, secretFile, upstream] = process.argv.slice(2);
if (!dir || !secretFile) {
	process.stderr.write(
		"usage: standardwebhooks_receiver.js DIR SECRET_FILE [UPSTREAM]\n",
	);
	process.exit(2);
}
const secret = fs.readFileSync(secretFile, "utf8").split("\n")[0];
const hook = new Webhook(secret);
const log = fs.openSync(path.join(dir, "verdicts.log"), "a");
const target = upstream ? new URL(upstream) : null;
// One connection per forwarded request: a kept-alive socket that the
// upstream closed after a dropped answer would fail the next request.
const agent = new http.Agent({ keepAlive: false });
// Headers of one hop, not passed on: each connection has its own, and a
// forwarded body is whole, with its own Content-Length.
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding"]);
const requestOnly = new Set(["expect", "content-length"]);

function verdict(body, headers) {
	try {
		hook.verify(body, headers);
		return "verified";
	} catch (e) {
		return "rejected:" + String(e.message).replace(/\s+/g, "-");
	}
}

function record(req, arrived, body, checked, status) {
	const id = req.headers["webhook-id"] || "-";
	const ts = Number.parseInt(req.headers["webhook-timestamp"], 10);
	const skew = Number.isNaN(ts) ? "-" : (arrived - ts).toFixed(1);
	const line = [id, checked, skew, status, req.url, body.replace(/[\r\n]/g, " ")];
	fs.writeSync(log, line.join(" ") + "\n");
}

// The request's own headers, as received, but for those of its hop.
function forwardedHeaders(req, length) {
	const headers = {};
	for (let i = 0; i < req.rawHeaders.length; i += 2) {
		const name = req.rawHeaders[i];
		const lower = name.toLowerCase();
		if (!hopByHop.has(lower) && !requestOnly.has(lower))
			headers[name] = req.rawHeaders[i + 1];
	}
	headers["Content-Length"] = String(length);
	return headers;
}

function answer(res, status, headers, body) {
	res.on("error", () => {}); // the client may be gone (killed mid-request)
	res.writeHead(status, headers);
	res.end(body);
}

function forward(req, res, arrived, raw, checked) {
	const out = http.request({
		host: target.hostname,
		port: target.port,
		path: req.url,
		method: req.method,
		headers: forwardedHeaders(req, raw.length),
		agent,
	});
	let answered = false;
	out.on("response", (up) => {
		const chunks = [];
		up.on("data", (c) => chunks.push(c));
		up.on("end", () => {
			answered = true;
			const headers = {};
			for (const [name, value] of Object.entries(up.headers))
				if (!hopByHop.has(name)) headers[name] = value;
			record(req, arrived, raw.toString("utf8"), checked, up.statusCode);
			answer(res, up.statusCode, headers, Buffer.concat(chunks));
		});
	});
	// The upstream closed without an answer: so does this endpoint.
	out.on("error", () => {
		if (answered) return;
		answered = true;
		record(req, arrived, raw.toString("utf8"), checked, "drop");
		req.socket.destroy();
	});
	out.end(raw);
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on("data", (c) => chunks.push(c));
	req.on("end", () => {
		const arrived = Date.now() / 1000;
		const raw = Buffer.concat(chunks);
		const body = raw.toString("utf8");
		const checked = verdict(body, req.headers);
		if (!checked.startsWith("verified")) {
			record(req, arrived, body, checked, 401);
			answer(res, 401, { "Content-Type": "application/json" },
				'{"ok":false,"error":"signature not verified"}\n');
		} else if (target) {
			forward(req, res, arrived, raw, checked);
		} else {
			record(req, arrived, body, checked, 200);
			answer(res, 200, { "Content-Type": "application/json" }, '{"ok":true}\n');
		}
	});
});

server.listen(0, "127.0.0.1", () => {
	const ready = path.join(dir, "ready");
	fs.writeFileSync(ready + ".tmp", server.address().port + "\n");
	fs.renameSync(ready + ".tmp", ready);
});

// Exit once the test's shell is gone, so that a test killed before its
// EXIT trap ran leaves no server behind.
const parent = process.ppid;
setInterval(() => {
	if (process.ppid !== parent) process.exit(0);
}, 500).unref();
