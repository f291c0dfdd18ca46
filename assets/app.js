/* WARP gateway admin: small progressive enhancements; every page works
 * without this file. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
	document.querySelectorAll("form[data-confirm]").forEach(function (f) {
		f.addEventListener("submit", function (ev) {
			if (!window.confirm(f.getAttribute("data-confirm")))
				ev.preventDefault();
		});
	});
	document.querySelectorAll("button[data-confirm]").forEach(function (b) {
		b.addEventListener("click", function (ev) {
			if (!window.confirm(b.getAttribute("data-confirm")))
				ev.preventDefault();
		});
	});
	document.querySelectorAll("a[data-back]").forEach(function (a) {
		a.addEventListener("click", function (ev) {
			if (window.history.length > 1) {
				ev.preventDefault();
				window.history.back();
			}
		});
	});
	/* Live refresh of the dashboard numbers every 30 s. */
	if (document.getElementById("ep-online")) {
		window.setInterval(function () {
			/* Not a user action: the idle timeout keeps running. */
			fetch("/api/v1/status", { credentials: "same-origin",
			    headers: { "X-Warp-Background": "1" } })
			    .then(function (r) { return r.ok ? r.json() : null; })
			    .then(function (s) {
				if (!s) return;
				["ep_online", "ep_disabled", "ep_expired"].forEach(
				    function (k) {
					var el = document.getElementById(
					    k.replace("_", "-"));
					if (el && s[k] !== undefined)
						el.textContent = s[k];
				});
			    }).catch(function () {});
		}, 30000);
	}
});
