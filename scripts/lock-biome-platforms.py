"""Adds lock entries for Biome's other-platform binaries, which the registry mirror here does not serve.

npm writes no entry for an optional dependency it cannot resolve, and `npm ci` then refuses the lock as out of
sync. Each entry below names its os/cpu, so npm skips it on this platform and never fetches it.
Run after any `npm install` that rewrites package-lock.json: `python3 scripts/lock-biome-platforms.py`.
"""
import json, pathlib

PLATFORMS = {
    "android-arm64": ("android", "arm64", None), "android-x64": ("android", "x64", None),
    "darwin-arm64": ("darwin", "arm64", None), "darwin-x64": ("darwin", "x64", None),
    "linux-arm64": ("linux", "arm64", "glibc"), "linux-arm64-musl": ("linux", "arm64", "musl"),
    "linux-x64": ("linux", "x64", "glibc"), "linux-x64-musl": ("linux", "x64", "musl"),
    "win32-arm64": ("win32", "arm64", None), "win32-x64": ("win32", "x64", None),
}
path = pathlib.Path(__file__).resolve().parent.parent / "package-lock.json"
lock = json.loads(path.read_text())
pkgs = lock["packages"]
biome = pkgs["node_modules/@biomejs/biome"]
for name, version in biome.get("optionalDependencies", {}).items():
    key = f"node_modules/{name}"
    if key in pkgs:
        continue
    os_, cpu, libc = PLATFORMS[name.split("cli-", 1)[1]]
    entry = {"version": version, "cpu": [cpu], "dev": True, "license": "MIT OR Apache-2.0", "optional": True, "os": [os_]}
    if libc:
        entry["libc"] = [libc]
    pkgs[key] = dict(sorted(entry.items()))
lock["packages"] = dict(sorted(pkgs.items(), key=lambda kv: (kv[0] != "", kv[0])))
path.write_text(json.dumps(lock, indent=2) + "\n")
