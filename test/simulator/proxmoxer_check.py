"""Drives the simulator with proxmoxer, a client nobody here wrote (fidelity proof 2).

Reads a JSON description of the endpoints from argv[1]; prints a JSON report. TLS is verified against the
simulator's certificates through REQUESTS_CA_BUNDLE (set by the caller).
"""
import json
import sys

from proxmoxer import ProxmoxAPI
from proxmoxer.tools import Tasks


def summary(px, node, vmid, action):
    nodes = px.nodes.get()
    resources = px.cluster.resources.get(type="vm")
    upid = getattr(px.nodes(node).qemu(vmid).status, action).post()
    status = Tasks.blocking_status(px, upid, timeout=20, polling_interval=0.05)
    current = px.nodes(node).qemu(vmid).status.current.get()
    return {
        "nodes": sorted(n["node"] for n in nodes),
        "resources": len(resources),
        "upid": upid,
        "task": {"status": status["status"], "exitstatus": status.get("exitstatus"), "type": status["type"]},
        "guest_status": current["status"],
    }


def main():
    cfg = json.load(open(sys.argv[1]))
    pve = cfg["pve"]
    report = {}
    px = ProxmoxAPI(pve["host"], port=pve["port"], user=pve["user"], password=pve["password"], verify_ssl=True, service="PVE")
    report["ticket"] = summary(px, cfg["node"], cfg["vmid"], "start")
    user, token_name = pve["tokenId"].split("!", 1)
    px2 = ProxmoxAPI(pve["host"], port=pve["port"], user=user, token_name=token_name, token_value=pve["tokenSecret"], verify_ssl=True, service="PVE")
    report["token"] = summary(px2, cfg["node"], cfg["vmid"], "stop")
    pbs = cfg["pbs"]
    puser, ptoken = pbs["tokenId"].split("!", 1)
    px3 = ProxmoxAPI(pbs["host"], port=pbs["port"], user=puser, token_name=ptoken, token_value=pbs["tokenSecret"], verify_ssl=True, service="PBS")
    report["pbs"] = {"datastores": sorted(d["store"] for d in px3.admin.datastore.get())}
    px4 = ProxmoxAPI(pbs["host"], port=pbs["port"], user=pbs["user"], password=pbs["password"], verify_ssl=True, service="PBS")
    report["pbs_ticket"] = {"snapshots": len(px4.admin.datastore("backup").snapshots.get(ns=cfg["namespace"]))}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
