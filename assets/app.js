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
			fetch("/api/v1/status?counts=1",
			    { credentials: "same-origin" })
			    .then(function (r) { return r.ok ? r.json() : null; })
			    .then(function (s) {
				if (!s || !s.counts) return;
				["online", "disabled", "expired"].forEach(
				    function (k) {
					var el = document.getElementById(
					    "ep-" + k);
					if (el && s.counts[k] !== undefined)
						el.textContent = s.counts[k];
				});
			    }).catch(function () {});
		}, 30000);
	}
});
