# bench/nftnorm.awk: `nft list ruleset` with the elements of sets and maps
# sorted (their order is the kernel's hash order, not meaning); chains and
# rules keep their order.  For before/after comparisons of a ruleset.
/^\t(set|map) / { inset = 1; print; next }
inset && /^\t}/ { inset = 0; close("sort"); print; next }
inset && /elements = / { sub(/.*elements = \{ */, ""); grab = 1 }
inset && grab {
	line = $0; gsub(/[{}]/, "", line)
	k = split(line, parts, ",")
	for (i = 1; i <= k; i++) {
		p = parts[i]; gsub(/^[ \t]+|[ \t]+$/, "", p)
		if (p != "") print "\t\t" p | "sort"
	}
	if ($0 ~ /}/) grab = 0
	next
}
{ print }
