#!/usr/bin/env python3
# Check deploy/vigil-daemonset.yaml as Kubernetes would read it, without a
# cluster: the documents parse as YAML, and what the agent relies on holds
# together across them (the probes reach the port and path the ConfigMap's
# webserver serves; HOST_ROOT is the mount of the node's /; VIGIL_HOSTNAME
# comes from spec.nodeName; the capabilities are the set measured in
# deploy/README.md; every mount has a volume; the image tag is the
# version the Makefile builds). Deploy_it.c runs it on the manifest and on
# broken copies, which it must reject.
#
# usage: manifest.py MANIFEST README MAIN_C
# Prints one line per problem, "MANIFEST: what is wrong", and exits 1 when
# there is one; 2 when a file cannot be read or parsed.
import re
import sys

import yaml

problems = []


def bad(msg):
    problems.append(msg)


def one(docs, kind):
    found = [d for d in docs if d.get("kind") == kind]
    if len(found) != 1:
        bad(f"{len(found)} documents of kind {kind}, want 1")
        return {}
    return found[0]


def get(obj, *keys):
    """obj[k0][k1]... or None where a level is missing"""
    for k in keys:
        if isinstance(obj, dict):
            obj = obj.get(k)
        elif isinstance(obj, list) and isinstance(k, int) and k < len(obj):
            obj = obj[k]
        else:
            return None
    return obj


def measured_caps(readme):
    """the capability set of the README's row for the manifest's grant
    that loaded, alerted, named containers and killed under Unconfined"""
    for line in readme.splitlines():
        m = re.match(r"\|\s*the manifest's:\s*([A-Z_ ]+?)\s*\|\s*unconfined\s*\|(.*)", line)
        if m and all(c.strip().startswith(("yes", "/")) for c in m.group(2).split("|")[:-1]):
            return sorted(m.group(1).split())
    return None


def check(path, readme_path, main_c):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    with open(readme_path) as f:
        readme = f.read()
    with open(main_c) as f:
        m = re.search(r'#define VIGIL_VERSION "([^"]+)"', f.read())
    version = m.group(1) if m else None

    ns = one(docs, "Namespace")
    sa = one(docs, "ServiceAccount")
    cm = one(docs, "ConfigMap")
    ds = one(docs, "DaemonSet")
    name = get(ns, "metadata", "name")
    for d in (sa, cm, ds):
        if d and get(d, "metadata", "namespace") != name:
            bad(f"{d.get('kind')} not in namespace {name}")
    if sa.get("automountServiceAccountToken") is not False:
        bad("ServiceAccount mounts a token (vigil calls no Kubernetes API)")

    # the ConfigMap's own files parse, and the webserver the probes use is on
    data = cm.get("data") or {}
    try:
        conf = yaml.safe_load(data.get("vigil.yaml", "")) or {}
    except yaml.YAMLError as e:
        bad(f"ConfigMap vigil.yaml: {e}")
        conf = {}
    for key, text in data.items():
        if key != "vigil.yaml":
            try:
                rules = yaml.safe_load(text)
            except yaml.YAMLError as e:
                bad(f"ConfigMap {key}: {e}")
                continue
            if not isinstance(rules, list):
                bad(f"ConfigMap {key}: not a list of rules, lists and macros")
    ws = conf.get("webserver") or {}
    if ws.get("enabled") is not True:
        bad("ConfigMap vigil.yaml: webserver not enabled (the probes need /healthz)")
    if ws.get("listen_address") not in ("0.0.0.0", "::"):
        bad("ConfigMap vigil.yaml: webserver not on the pod's address (the kubelet probes it)")
    if "/etc/vigil/rules.d" not in (conf.get("rules_files") or []):
        bad("ConfigMap vigil.yaml: rules_files lacks /etc/vigil/rules.d (the local rules)")

    pod = get(ds, "spec", "template", "spec") or {}
    sel = get(ds, "spec", "selector", "matchLabels") or {}
    labels = get(ds, "spec", "template", "metadata", "labels") or {}
    if not sel or any(labels.get(k) != v for k, v in sel.items()):
        bad("DaemonSet selector does not match its pods' labels")
    if pod.get("hostPID") is not True:
        bad("hostPID is not true (the host's PID 1 and every process of the node)")
    if pod.get("serviceAccountName") != get(sa, "metadata", "name"):
        bad("serviceAccountName is not the ServiceAccount's")
    containers = pod.get("containers") or []
    if len(containers) != 1:
        bad(f"{len(containers)} containers, want 1")
        return
    c = containers[0]

    if version and c.get("image", "").rpartition(":")[2] != version:
        bad(f"image {c.get('image')} is not tagged {version} (src/cli/main.c)")

    # capabilities: exactly the measured set, and what that set relies on
    sc = c.get("securityContext") or {}
    want = measured_caps(readme)
    caps = sc.get("capabilities") or {}
    if want is None:
        bad(f"{readme_path}: no measured row \"the manifest's: ...\" that passed every check")
    elif sorted(caps.get("add") or []) != want:
        bad(f"capabilities add {caps.get('add')}, measured {want}")
    if caps.get("drop") != ["ALL"]:
        bad("capabilities do not drop ALL")
    if sc.get("privileged") is not False:
        bad("privileged is not false")
    if "SYS_ADMIN" not in (caps.get("add") or []) and get(sc, "seccompProfile", "type") != "Unconfined":
        bad("without SYS_ADMIN the runtime's default seccomp profile refuses bpf(): seccompProfile must be Unconfined")
    if sc.get("readOnlyRootFilesystem") is not True:
        bad("readOnlyRootFilesystem is not true")

    # probes: the ConfigMap's healthz path on the port the webserver listens on
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        hg = get(c, probe, "httpGet")
        if not hg:
            bad(f"no {probe} with httpGet")
            continue
        if hg.get("path") != ws.get("k8s_healthz_endpoint", "/healthz"):
            bad(f"{probe} path {hg.get('path')} is not the webserver's {ws.get('k8s_healthz_endpoint')}")
        port = ports.get(hg.get("port"), hg.get("port"))
        if port != ws.get("listen_port"):
            bad(f"{probe} port {hg.get('port')} is not the webserver's {ws.get('listen_port')}")

    # mounts and their volumes
    vols = {v.get("name"): v for v in pod.get("volumes") or []}
    mounts = {}
    for vm in c.get("volumeMounts") or []:
        if vm.get("name") not in vols:
            bad(f"volumeMount {vm.get('name')} has no volume")
            continue
        mounts[vm.get("mountPath")] = (vm, vols[vm["name"]])

    def need(mount_path, host_path, read_only):
        vm, vol = mounts.get(mount_path, (None, None))
        if vm is None:
            bad(f"no mount at {mount_path}")
            return
        if host_path is not None and get(vol, "hostPath", "path") != host_path:
            bad(f"{mount_path} is not the node's {host_path}")
        if read_only is not None and bool(vm.get("readOnly")) != read_only:
            bad(f"{mount_path} is {'not ' if read_only else ''}read-only")

    env = {e.get("name"): e for e in c.get("env") or []}
    host_root = get(env, "HOST_ROOT", "value")
    if not host_root:
        bad("no HOST_ROOT in env")
    else:
        need(host_root, "/", True)
    if get(env, "VIGIL_HOSTNAME", "valueFrom", "fieldRef", "fieldPath") != "spec.nodeName":
        bad("VIGIL_HOSTNAME is not taken from spec.nodeName (alerts would name the pod)")
    need("/sys/fs/bpf", "/sys/fs/bpf", False)
    need("/sys/kernel/btf", "/sys/kernel/btf", True)
    need("/sys/fs/cgroup", "/sys/fs/cgroup", True)
    need("/etc/vigil", None, True)
    need("/run/vigil", None, False)
    cfg = mounts.get("/etc/vigil", (None, {}))[1]
    if get(cfg, "configMap", "name") != get(cm, "metadata", "name"):
        bad("/etc/vigil is not the ConfigMap")
    for item in get(cfg, "configMap", "items") or []:
        if item.get("key") not in data:
            bad(f"/etc/vigil/{item.get('path')}: key {item.get('key')} not in the ConfigMap")
    if "emptyDir" not in mounts.get("/run/vigil", (None, {}))[1]:
        bad("/run/vigil is not an emptyDir (the root file system is read-only)")


def main():
    if len(sys.argv) != 4:
        print("usage: manifest.py MANIFEST README MAIN_C", file=sys.stderr)
        return 2
    try:
        check(*sys.argv[1:])
    except (OSError, yaml.YAMLError) as e:
        print(f"{sys.argv[1]}: {e}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"{sys.argv[1]}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
