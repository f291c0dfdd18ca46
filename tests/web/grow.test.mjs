// A network grows in place over HTTP (issue #11): POST /api/v1/networks/N
// with {"expected_users"} or {"subnet"}, and the network edit form.
// Endpoints keep their addresses, changed configs get a new version; a
// larger prefix over another network, a subnet that does not contain the
// current one and a shrink below the addresses in use are refused with a
// clear error that names the reason, and nothing changes.  And QR views
// queue their audit rows: every one is written, none twice.
import { Client, ok, failed, login, pageCsrf, sql, snapshot, warpctl } from "./lib.mjs";

const ADMIN = "gina", ADMIN_PW = "grow-pass-12345";

function net(id) {
	return JSON.parse(warpctl(["show-network", String(id), "--json"]));
}
function addrs(id) {
	return sql(`SELECT overlay_ip FROM endpoints WHERE network_id = ${id} ORDER BY id`);
}

async function main() {
	warpctl(["user", "add", ADMIN, "--role", "admin", "--password-stdin"],
	    ADMIN_PW + "\n");
	warpctl(["create-network", "gsites", "--type", "l3vpn", "--subnet",
	    "10.70.1.0/29"]);
	warpctl(["create-network", "gother", "--type", "secure-internet",
	    "--subnet", "10.70.2.0/24"]);
	warpctl(["create-network", "gform", "--type", "secure-internet",
	    "--subnet", "10.70.8.0/30"]);
	warpctl(["create-endpoints", "gsites", "s{n}", "--count", "5",
	    "--type", "cpe"]);
	warpctl(["create-endpoint", "gform", "phone", "--type", "mobile"]);
	const id = +sql("SELECT id FROM networks WHERE name = 'gsites'");
	const fid = +sql("SELECT id FROM networks WHERE name = 'gform'");
	const tok = warpctl(["token", "create", "grow", "--user", ADMIN]).trim();
	const api = new Client({ authorization: `Bearer ${tok}` });
	const before = addrs(id);

	let r = await api.post(`/api/v1/networks/${id}`,
	    { json: { expected_users: 20 } });
	let j = r.status === 200 ? JSON.parse(r.text) : {};
	ok(r.status === 200 && j.subnet === "10.70.1.0/27" &&
	    j.gateway_ip === "10.70.1.1" && j.expected_users === 20 &&
	    j.endpoints === 5, "API: {expected_users: 20} grows the full /29 to "
	    + "a /27 in place and answers the network", r.text);
	ok(addrs(id) === before, "its endpoints keep their addresses");
	ok(sql(`SELECT group_concat(v) FROM (SELECT max(version) v FROM ` +
	    `endpoint_configs c JOIN endpoints e ON e.id = c.endpoint_id ` +
	    `WHERE e.network_id = ${id} GROUP BY e.id)`).trim() === "2,2,2,2,2",
	    "every l3vpn config (AllowedIPs = the subnet) got version 2");
	ok(/^AllowedIPs = 10\.70\.1\.0\/27$/m.test(warpctl(["show-config",
	    "gsites/s1"])), "and names the /27");
	r = await api.post(`/api/v1/networks/${id}`,
	    { json: { subnet: "10.70.0.0/23" } });
	j = r.status === 200 ? JSON.parse(r.text) : {};
	ok(r.status === 200 && j.subnet === "10.70.0.0/23" &&
	    j.gateway_ip === "10.70.1.1" && j.expected_users === 510,
	    "API: {subnet: a containing /23} grows it again, gateway kept",
	    r.text);

	const snap = snapshot();
	const bad = [
	    [{ subnet: "10.70.0.0/22" }, 409, /overlaps network 'gother' \(10\.70\.2\.0\/24\)/],
	    [{ expected_users: 1000 }, 409, /overlaps network 'gother'/],
	    [{ subnet: "10.71.0.0/24" }, 400, /grows in place/],
	    [{ subnet: "10.70.1.0/30" }, 409, /cannot shrink .* endpoint 's2' uses 10\.70\.1\.3/],
	    [{ expected_users: 3 }, 400, /has 5 endpoints/],
	    [{ expected_users: 70000 }, 400, /expected_users must be/],
	    [{ subnet: "10.70.1.1/24" }, 400, /host bits/],
	    [{ subnet: "banana" }, 400, /CIDR/],
	];
	const wrong = [];
	for (const [body, want, re] of bad) {
		r = await api.post(`/api/v1/networks/${id}`, { json: body });
		let e = {};
		try { e = JSON.parse(r.text); } catch { /* reported below */ }
		if (r.status !== want || !re.test(e.error || ""))
			wrong.push(`${JSON.stringify(body)}: ${r.status} ${r.text}`);
	}
	ok(wrong.length === 0, "API: overlap (naming the network), not "
	    + "containing, shrink below the addresses in use, too few users, "
	    + "bad values: each a clear error (409/400)", wrong.join("; "));
	ok(snapshot() === snap, "and the refusals changed nothing");
	r = await api.post(`/api/v1/networks/99999`, { json: { expected_users: 20 } });
	ok(r.status === 404, "API: an unknown network is 404", `${r.status}`);

	// The edit form: it shows the size, grows, refuses, and still saves
	// other fields with the size it showed.
	const admin = new Client();
	await login(admin, ADMIN, ADMIN_PW);
	const page = await admin.get(`/networks/${fid}/edit`);
	ok(page.status === 200 &&
	    /name="subnet" value="10\.70\.8\.0\/30"/.test(page.text) &&
	    /name="expected_users"[^>]*value="2"/.test(page.text),
	    "the edit form shows the subnet and expected users", page.text.slice(0, 200));
	const csrf = await pageCsrf(admin, `/networks/${fid}/edit`);
	const base = { csrf, description: "", dns: "1.1.1.1, 1.0.0.1",
	    mtu: "1420", keepalive: "25", listen_port: String(net(fid).listen_port),
	    peer_communication_present: "1", subnet: "10.70.8.0/30",
	    expected_users: "2" };
	const fsnap = snapshot();
	r = await admin.post(`/networks/${fid}/edit`,
	    { form: { ...base, subnet: "10.70.0.0/20" } });
	ok(r.status === 409 && /overlaps network (&#39;|&#x27;|')gsites/.test(r.text),
	    "the form refuses a subnet over another network, naming it",
	    `${r.status} ${r.text.slice(0, 300)}`);
	ok(snapshot() === fsnap, "and nothing changed");
	r = await admin.post(`/networks/${fid}/edit`,
	    { form: { ...base, description: "phones" } });
	ok(r.status === 303 && net(fid).subnet === "10.70.8.0/30" &&
	    net(fid).description === "phones",
	    "saving another field with the size shown keeps the size", `${r.status}`);
	r = await admin.post(`/networks/${fid}/edit`,
	    { form: { ...base, description: "phones", expected_users: "50" } });
	j = net(fid);
	ok(r.status === 303 && j.subnet === "10.70.8.0/26" &&
	    j.gateway_ip === "10.70.8.1" && j.expected_users === 50,
	    "the form grows the /30 to a /26 for 50 users", `${r.status} ${JSON.stringify(j)}`);
	ok(sql(`SELECT max(version) FROM endpoint_configs WHERE endpoint_id = ` +
	    `(SELECT e.id FROM endpoints e JOIN networks n ON n.id = e.network_id WHERE n.name = 'gform' AND e.name = 'phone')`).trim() === "1",
	    "a secure-internet config does not change: no new version");
	ok(/network\.update/.test(sql("SELECT group_concat(action) FROM audit_log " +
	    `WHERE object = 'gform'`)), "the audit log has the update");

	// QR views queue their audit rows (issue #11): 150 views in parallel,
	// then, within a few seconds (each worker flushes every second), 150
	// rows, none lost.
	const ep = +sql("SELECT e.id FROM endpoints e JOIN networks n ON n.id = e.network_id " +
	    "WHERE n.name = 'gform' AND e.name = 'phone'");
	const qr0 = +sql("SELECT count(*) FROM audit_log WHERE action = 'config.qr'");
	const views = await Promise.all(Array.from({ length: 150 }, () =>
	    api.get(`/api/v1/endpoints/${ep}/qr.svg`)));
	ok(views.every((x) => x.status === 200), "150 parallel QR views answer 200",
	    [...new Set(views.map((x) => x.status))].join(","));
	let qr = 0;
	for (let i = 0; i < 50; i++) {
		qr = +sql("SELECT count(*) FROM audit_log WHERE action = 'config.qr'") - qr0;
		if (qr >= 150) break;
		await new Promise((res) => setTimeout(res, 100));
	}
	await new Promise((res) => setTimeout(res, 1500));
	qr = +sql("SELECT count(*) FROM audit_log WHERE action = 'config.qr'") - qr0;
	ok(qr === 150, "and the audit log has exactly 150 config.qr rows for them", `${qr}`);
	process.exit(failed() ? 1 : 0);
}

main().catch((e) => { console.log(`not ok - grow tests crashed: ${e.stack}`); process.exit(1); });
