// Traffic control over HTTP (issue #13): rates and quotas through the JSON
// API and the endpoint/network forms, bad input refused with nothing
// changed, quota-exceeded shown, the audit log; GET /metrics off by
// default, refused without the token, accepted with it, parsed cleanly by
// `promtool check metrics`, no keys in it; loopback mode refuses scrapes
// that came through the proxy.
import { execFileSync, spawnSync } from "node:child_process";
import { Client, ok, failed, login, pageCsrf, sql, warpctl } from "./lib.mjs";

const ADMIN = "tina", ADMIN_PW = "traffic-pass-123";

function trafficRows() {
	return sql("SELECT 'et', * FROM endpoint_traffic ORDER BY 2; " +
	    "SELECT 'nt', * FROM network_traffic ORDER BY 2; " +
	    "SELECT 'a', count(*) FROM audit_log;");
}

async function main() {
	warpctl(["user", "add", ADMIN, "--role", "admin", "--password-stdin"],
	    ADMIN_PW + "\n");
	warpctl(["create-network", "tnet", "--type", "secure-internet"]);
	warpctl(["create-endpoint", "tnet", "phone", "--type", "mobile"]);
	const ep = +sql("SELECT id FROM endpoints WHERE name = 'phone'");
	const net = +sql("SELECT id FROM networks WHERE name = 'tnet'");
	const tok = warpctl(["token", "create", "traffic", "--user",
	    ADMIN]).trim();
	const api = new Client({ authorization: `Bearer ${tok}` });

	// API: rates and quota.
	let r = await api.post(`/api/v1/endpoints/${ep}/traffic`,
	    { json: { down: "2mbit", up: "1mbit" } });
	let j = r.status === 200 ? JSON.parse(r.text) : {};
	ok(r.status === 200 && j.rate_down === "2mbit" &&
	    j.rate_down_bps === 2000000 && j.rate_up === "1mbit",
	    "API sets an endpoint's rates (2mbit down, 1mbit up)", r.text);
	r = await api.post(`/api/v1/endpoints/${ep}/traffic`,
	    { json: { quota: "5M", period: "month" } });
	j = r.status === 200 ? JSON.parse(r.text) : {};
	ok(r.status === 200 && j.quota_bytes === 5242880 &&
	    j.quota_period === "month" && j.status === "active",
	    "API sets a 5M monthly quota", r.text);
	r = await api.post(`/api/v1/networks/${net}/traffic`,
	    { json: { default_down: "10mbit", default_up: "none" } });
	ok(r.status === 200 && JSON.parse(r.text).default_down === "10mbit",
	    "API sets a network's default rates", r.text);
	r = await api.post("/api/v1/networks", { json: { name: "rated",
	    type: "secure-internet", default_down: "20mbit", default_up: "5mbit" } });
	j = r.status === 201 ? JSON.parse(r.text) : {};
	ok(r.status === 201 && j.default_down === "20mbit" &&
	    j.default_down_bps === 20000000 && j.default_up === "5mbit" &&
	    j.default_up_bps === 5000000,
	    "API creates a network with its default rates (20mbit down, 5mbit up)", r.text);
	r = j.id ? await api.get(`/api/v1/networks/${j.id}/traffic`) : r;
	ok(r.status === 200 && JSON.parse(r.text).default_up === "5mbit" &&
	    sql(`SELECT default_down_bps, default_up_bps FROM network_traffic WHERE network_id = ${j.id}`).trim() === "20000000|5000000",
	    "and they are stored (GET .../traffic, network_traffic)", r.text);
	const nets0 = sql("SELECT count(*) FROM networks; SELECT count(*) FROM audit_log;");
	const badNets = [];
	for (const body of [{ default_down: "20 mbit" }, { default_up: "default" },
	    { default_down: "1mbit", default_up: "-1kbit" }, { default_down: "500gbit" }]) {
		r = await api.post("/api/v1/networks", { json: { name: "badrate",
		    type: "secure-internet", ...body } });
		let e = {};
		try { e = JSON.parse(r.text); } catch { /* reported below */ }
		if (r.status !== 400 || !e.error)
			badNets.push(`${JSON.stringify(body)}: ${r.status} ${r.text}`);
	}
	ok(badNets.length === 0, "API create with a bad default rate: 400 with "
	    + "an error", badNets.join("; "));
	ok(sql("SELECT count(*) FROM networks; SELECT count(*) FROM audit_log;") === nets0,
	    "and no network (nor audit row) is created");
	r = await api.post("/api/v1/networks", { json: { name: "plain",
	    type: "secure-internet" } });
	j = r.status === 201 ? JSON.parse(r.text) : {};
	ok(r.status === 201 && j.default_down === "none" && j.default_up_bps === 0,
	    "a network created without rates is unlimited (none)", r.text);

	const before = trafficRows();
	const bad = [
	    [`/api/v1/endpoints/${ep}/traffic`, { down: "2 mbit" }, 400],
	    [`/api/v1/endpoints/${ep}/traffic`, { up: "-1mbit" }, 400],
	    [`/api/v1/endpoints/${ep}/traffic`, { down: "500gbit" }, 400],
	    [`/api/v1/endpoints/${ep}/traffic`, { down: "1mbit", up: "fast" }, 400],
	    [`/api/v1/endpoints/${ep}/traffic`, { quota: "5Q" }, 400],
	    [`/api/v1/endpoints/${ep}/traffic`, { quota: "5M", period: "year" }, 400],
	    [`/api/v1/endpoints/${ep}/traffic`, { down: "1mbit", quota: "-5" }, 400],
	    [`/api/v1/endpoints/${ep}/traffic`, {}, 400],
	    [`/api/v1/endpoints/99999/traffic`, { down: "1mbit" }, 404],
	    [`/api/v1/endpoints/99999/reset-usage`, {}, 404],
	    [`/api/v1/networks/${net}/traffic`, { default_down: "default" }, 400],
	    [`/api/v1/networks/99999/traffic`, { default_down: "1mbit" }, 404],
	];
	const wrong = [];
	for (const [path, body, want] of bad) {
		r = await api.post(path, { json: body });
		let e = {};
		try { e = JSON.parse(r.text); } catch { /* reported below */ }
		if (r.status !== want || !e.error)
			wrong.push(`${path} ${JSON.stringify(body)}: ${r.status} ${r.text}`);
	}
	ok(wrong.length === 0, "bad rates, sizes, periods and unknown objects "
	    + "get a clear error (400/404)", wrong.join("; "));
	ok(trafficRows() === before, "and change nothing (limits, quotas, audit log)");

	// quota-exceeded, as the privileged side would store it.
	sql(`UPDATE endpoint_traffic SET used_bytes = quota_bytes WHERE endpoint_id = ${ep}`);
	r = await api.get(`/api/v1/endpoints/${ep}`);
	ok(r.status === 200 && JSON.parse(r.text).status === "quota-exceeded",
	    "API: an endpoint that used up its quota is quota-exceeded", r.text);
	r = await api.post(`/api/v1/endpoints/${ep}/reset-usage`, { json: {} });
	j = r.status === 200 ? JSON.parse(r.text) : {};
	ok(r.status === 200 && j.quota_used_bytes === 0 && j.status === "active",
	    "API reset-usage makes it active again", r.text);

	// Pages: the forms, the figures, quota-exceeded.
	const admin = new Client();
	await login(admin, ADMIN, ADMIN_PW);
	const csrf = await pageCsrf(admin, `/endpoints/${ep}`);
	r = await admin.post(`/endpoints/${ep}/traffic`,
	    { form: { csrf, down: "3mbit", up: "default" } });
	ok(r.status === 303, "the endpoint page's rate form saves (303)", r.text);
	r = await admin.post(`/endpoints/${ep}/traffic`,
	    { form: { csrf, down: "3 furlongs" } });
	ok(r.status === 400 && /unit/.test(r.text),
	    "a bad rate in the form gets a clear error (400)", `${r.status}`);
	sql(`UPDATE endpoint_traffic SET used_bytes = quota_bytes WHERE endpoint_id = ${ep}`);
	r = await admin.get(`/endpoints/${ep}`);
	ok(r.status === 200 && /id="tr-down">3mbit</.test(r.text) &&
	    /id="tr-up">none \(network default\)/.test(r.text) &&
	    /quota-exceeded/.test(r.text),
	    "the endpoint page shows rates, the inherited default and "
	    + "quota-exceeded", r.text.slice(0, 200));
	r = await admin.get(`/networks/${net}`);
	ok(r.status === 200 && /default rates[^<]*<strong>10mbit/i.test(r.text) &&
	    /st-quota-exceeded">quota-exceeded/.test(r.text),
	    "the network page shows its default rates and the endpoint's "
	    + "quota-exceeded status");
	const ncsrf = await pageCsrf(admin, `/networks/${net}`);
	r = await admin.post(`/networks/${net}/traffic`,
	    { form: { csrf: ncsrf, default_down: "20mbit" } });
	ok(r.status === 303 &&
	    sql(`SELECT default_down_bps FROM network_traffic WHERE network_id = ${net}`).trim() === "20000000",
	    "the network page's form sets the default down rate");
	const audit = sql("SELECT group_concat(action) FROM (SELECT action FROM " +
	    "audit_log WHERE action IN ('endpoint.rate', 'endpoint.quota', " +
	    "'endpoint.reset-usage', 'network.rate') ORDER BY id)").trim();
	ok(/endpoint\.rate/.test(audit) && /endpoint\.quota/.test(audit) &&
	    /endpoint\.reset-usage/.test(audit) && /network\.rate/.test(audit),
	    "limit and quota changes are in the audit log", audit);

	// /metrics.
	const anon = new Client();
	r = await anon.get("/metrics");
	ok(r.status === 404, "/metrics is off by default (404)", `${r.status}`);
	const mtok = warpctl(["config", "set", "metrics-token", "generate"]).trim();
	ok(/^[A-Za-z0-9_-]{32}$/.test(mtok) &&
	    !sql("SELECT hex(token_hash) FROM metrics_config").includes(mtok),
	    "a generated metrics token is printed once; only its hash is kept");
	r = await anon.get("/metrics");
	ok(r.status === 401, "/metrics without the token: 401", `${r.status}`);
	r = await anon.get("/metrics", { headers: { authorization: "Bearer " +
	    "not-the-token-at-all" } });
	ok(r.status === 401, "/metrics with a wrong token: 401", `${r.status}`);
	r = await anon.get("/metrics", { headers: { authorization: `Bearer ${tok}` } });
	ok(r.status === 401, "/metrics with an API token instead: 401", `${r.status}`);
	r = await anon.get("/metrics", { headers: { authorization: `Bearer ${mtok}` } });
	ok(r.status === 200 && /^text\/plain; version=0\.0\.4/.test(
	    r.headers.get("content-type") || ""),
	    "/metrics with the token: 200, text exposition format", `${r.status}`);
	const body = r.text || "";
	ok(/^warp_endpoint_quota_limit_bytes\{network="tnet",endpoint="phone"\} 5242880$/m.test(body) &&
	    /^warp_endpoint_rate_limit_bytes_per_second\{network="tnet",endpoint="phone",direction="down"\} 375000$/m.test(body) &&
	    /^warp_endpoint_online\{network="tnet",endpoint="phone"\} 0$/m.test(body) &&
	    /^warp_network_apply_status\{network="tnet",status="pending"\} 1$/m.test(body) &&
	    /^warp_networks \d+$/m.test(body) && /^process_cpu_seconds_total /m.test(body),
	    "metrics: quota, rate, online, apply status, totals, process", body.slice(0, 300));
	const keys = sql("SELECT public_key FROM networks UNION ALL SELECT public_key FROM endpoints")
	    .trim().split("\n").filter(Boolean);
	ok(keys.length > 0 && keys.every((k) => !body.includes(k)) && !body.includes(mtok),
	    "metrics carry no key (public or private) and not the token");
	const pc = spawnSync("promtool", ["check", "metrics"], { input: body,
	    encoding: "utf8" });
	ok(pc.status === 0 && (pc.stdout + pc.stderr).trim() === "",
	    "promtool check metrics: no errors, no lint", `exit ${pc.status}: ${pc.stdout}${pc.stderr}`);

	warpctl(["config", "set", "metrics", "loopback"]);
	r = await anon.get("/metrics");
	ok(r.status === 200, "loopback mode: a local scrape without a token: 200", `${r.status}`);
	r = await anon.get("/metrics", { headers: { "x-real-ip": "203.0.113.9",
	    "x-forwarded-for": "203.0.113.9" } });
	ok(r.status === 403, "loopback mode: a scrape through the proxy: 403", `${r.status}`);
	let threw = false;
	try {
		execFileSync(process.env.WARPCTL, ["--db", process.env.WARP_DB,
		    "config", "set", "metrics-token", "short"], { stdio: "pipe" });
	} catch (e) { threw = e.status === 1; }
	ok(threw, "a metrics token that is too short is refused (exit 1)");
	warpctl(["config", "set", "metrics-token", "none"]);
	r = await anon.get("/metrics", { headers: { authorization: `Bearer ${mtok}` } });
	ok(r.status === 404, "metrics-token none turns /metrics off again", `${r.status}`);
	process.exit(failed() ? 1 : 0);
}

main().catch((e) => { console.log(`not ok - traffic tests crashed: ${e.stack}`); process.exit(1); });
