/** Vocabulary for generated estates. */
export const CLUSTER_NAMES = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliett',
  'kilo',
  'lima',
  'mike',
  'november',
  'oscar',
  'papa',
  'quebec',
  'romeo',
  'sierra',
  'tango',
] as const;

export const GUEST_ROLES = [
  'web',
  'db',
  'cache',
  'proxy',
  'mail',
  'dns',
  'ldap',
  'git',
  'ci-runner',
  'k8s-worker',
  'k8s-master',
  'monitor',
  'grafana',
  'backup',
  'files',
  'vpn',
  'jump',
  'build',
  'queue',
  'search',
  'app',
  'api',
  'auth',
  'wiki',
  'chat',
  'log',
  'metrics',
  'registry',
  'ntp',
  'dhcp',
] as const;

export const ENVIRONMENTS = ['prod', 'dev', 'stage', 'test', 'lab'] as const;

export const TAGS = [
  'prod',
  'dev',
  'staging',
  'web',
  'db',
  'critical',
  'backup-daily',
  'k8s',
  'linux',
  'windows',
  'team-a',
  'team-b',
  'pci',
  'legacy',
] as const;

export const POOLS: readonly (readonly [string, string | undefined])[] = [
  ['prod', 'Production workloads'],
  ['dev', 'Developers & CI'],
  ['staging', undefined],
  ['infra', 'Core infrastructure: DNS, LDAP, monitoring'],
  ['team-a', 'Team A — Zürich'],
  ['lab', 'Throw-away experiments'],
];

/** Notes with unicode, markup-like text and multi-line markdown, to test escaping everywhere. */
export const NOTES = [
  'Web frontend.\nOwner: ops@example.com',
  '<script>alert(1)</script>',
  '<b>bold</b> and <i>italic</i> — markup that must stay text',
  '"quotes" & ampersands & <angle> brackets',
  'Datenbank für Buchhaltung ✓ — größer als gedacht',
  '🚀 release train 🚂 (emoji 👍🏽)',
  '# Heading\n\n* item one\n* item two\n\n[link](https://example.com/?a=1&b=2)',
  '日本語のメモ：バックアップ必須',
  'Line one\nLine two\n\nLine four after a blank line',
  "O'Brien's VM; don't touch; `rm -rf /` is not a command to run",
  'Path C:\\Users\\admin\\ and %PERCENT% and $HOME and {{guestname}}',
  'Ελληνικά και Кириллица и עברית',
  'strata-uid: 00000000-0000-4000-a000-000000000000 (stale marker left by a clone)',
  'x'.repeat(300),
] as const;

export const ISOS = [
  ['debian-12.8.0-amd64-netinst.iso', 661651456],
  ['ubuntu-24.04.1-live-server-amd64.iso', 2773874688],
  ['virtio-win-0.1.262.iso', 708118528],
  ['Win2022_EN-US_20348.169.iso', 5365624832],
  ['proxmox-ve_8.3-1.iso', 1402931200],
] as const;

export const CT_TEMPLATES = [
  ['debian-12-standard_12.7-1_amd64.tar.zst', 126027232, 'debian'],
  ['ubuntu-24.04-standard_24.04-2_amd64.tar.zst', 141562010, 'ubuntu'],
  ['alpine-3.20-default_20240908_amd64.tar.xz', 3059908, 'alpine'],
  ['rockylinux-9-default_20240912_amd64.tar.xz', 106112524, 'centos'],
  ['archlinux-base_20240911-1_amd64.tar.zst', 178913148, 'archlinux'],
] as const;

export const CPU_MODELS = [
  'AMD EPYC 7543 32-Core Processor',
  'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
  'AMD EPYC 9354 32-Core Processor',
  'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz',
] as const;

export const PVE_VERSIONS = [
  { version: '8.3.2', release: '8.3', repoid: '3e76eec21c4a14a7', kernel: '6.8.12-5-pve', qemu: '9.0.2' },
  { version: '8.4.1', release: '8.4', repoid: '2a5fa54a8503f96d', kernel: '6.8.12-9-pve', qemu: '9.2.0' },
  { version: '9.0.10', release: '9.0', repoid: 'deb1ca707ec72a89', kernel: '6.14.11-2-pve', qemu: '10.0.2' },
] as const;
