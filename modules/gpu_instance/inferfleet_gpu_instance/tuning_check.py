"""Boot-time pieces of the host tuning: fq on the interfaces already up, and a check of what applied.

`net.core.default_qdisc` only reaches network interfaces created after it is set, so the NICs that
are up at first boot keep their old qdisc; :func:`qdisc_script` gives them the default one. The
kernel refuses some values silently from the operator's point of view (a udev rule whose write
fails, a sysctl of a module not loaded); :func:`tuning_check_script` compares what the kernel holds
with what was intended and logs each value that did not apply. Both scripts are fixed text: the
intended values are read from the files the tuning writes (sysctl.d, :func:`block_expectations`),
never pasted into a command.
"""

from __future__ import annotations

from inferfleet_hostfiles import Command, shell_script, unit_file

from inferfleet_gpu_instance.tuning import BLOCK_DEVICES, HostTuning

HOST_TUNING_PATH = "/usr/local/sbin/inferfleet-host-tuning"
HOST_TUNING_UNIT = "inferfleet-host-tuning.service"

_HEADER = "#!/bin/sh\n# inferfleet: default qdisc on the NICs up, then check each tuned value\n"

# Compact on purpose: it rides in user data with a 10 KiB limit (CCE postinstall). NICs only (a
# `device` link: physical or virtio), one qdisc per transmit queue under mq; every value the kernel
# does not hold is one MISMATCH line in the journal and the unit fails.
_BODY = r"""q=$(sysctl -n net.core.default_qdisc)
n=0
bad() { echo "inferfleet-tuning: MISMATCH $1: intended $2, kernel has ${3:-nothing}" >&2; n=$((n + 1)); }
for d in /sys/class/net/*; do
	[ -e "$d/device" ] || continue
	i=${d##*/}
	t=$(ls -d "$d"/queues/tx-* | wc -l)
	if [ "$t" -gt 1 ]; then
		tc qdisc replace dev "$i" root handle 1: mq
		for k in $(seq "$t"); do tc qdisc replace dev "$i" parent "1:$(printf %x "$k")" "$q"; done
	else
		tc qdisc replace dev "$i" root "$q"
	fi
	o=$(tc qdisc show dev "$i" | awk -v q="$q" '$2 != q && $2 != "mq" {print $2}')
	[ -z "$o" ] || bad "qdisc of $i" "$q" "$(echo $o)"
done
set -f
while IFS='=' read -r k v; do
	k=$(echo $k)
	case "$k" in '' | '#'*) continue ;; esac
	w=$(echo $v)
	h=$(echo $(sysctl -n "$k" 2>/dev/null))
	[ "$h" = "$w" ] || bad "sysctl $k" "$w" "$h"
done <"$sysctl_conf"
echo "$block" | while read -r g s r a; do
	set +f
	for x in /sys/block/$g/queue; do
		[ -d "$x" ] || continue
		h=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$x/scheduler")
		[ "$h" = "$s" ] || bad "$x/scheduler" "$s" "$h"
		h=$(cat "$x/nr_requests")
		[ "$h" = "$r" ] || bad "$x/nr_requests" "$r" "$h"
		h=$(cat "$x/read_ahead_kb")
		[ "$h" = "$a" ] || bad "$x/read_ahead_kb" "$a" "$h"
	done
	[ "$n" = 0 ]
done || n=$((n + 1))
[ "$n" = 0 ] || { echo "inferfleet-tuning: values did not apply" >&2; exit 1; }
"""


def block_expectations(tuning: HostTuning) -> str:
    """One line per device class: `kernel-glob scheduler nr_requests read_ahead_kb` (validated values)."""
    lines = []
    for device_class, settings in sorted(tuning.block.items()):
        glob = BLOCK_DEVICES[device_class].kernel_glob
        lines.append(f"{glob} {settings.scheduler} {settings.nr_requests} {settings.read_ahead_kb}")
    return "\n".join(lines)


def host_tuning_script(tuning: HostTuning, sysctl_path: str) -> str:
    """The fixed script; the intended values are its variables (sysctl.d file, block lines), never its code."""
    return shell_script(_HEADER, {"sysctl_conf": sysctl_path, "block": block_expectations(tuning)}, _BODY)


def host_tuning_unit() -> str:
    """At every boot, after sysctl.d, udev and the network: the script (its result in the journal)."""
    return unit_file(
        {
            "Unit": [("After", "systemd-sysctl.service systemd-udevd.service network.target")],
            "Service": [("Type", "oneshot"), ("ExecStart", Command((HOST_TUNING_PATH,))), ("RemainAfterExit", "yes")],
            "Install": [("WantedBy", "multi-user.target")],
        }
    )
