import { randomBytes } from 'node:crypto';
import type { Settings } from '../config/settings.js';
import type { Flows } from '../config/types.js';
import type { TelephonyServer } from '../calls/telephony/server.js';
import { VERSION } from '../version.js';

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * What a flows file holds, for the start banner: `5 numbers, 4 IVRs, 1 Find Me, 1 Virtual Receptionist,
 * 1 voicemail box and 2 post-call actions`. Kinds the file does not use are left out; the numbers are
 * always counted, since a file without any answers no call.
 */
export function flowsSummary(flows: Flows): string {
  const parts = [
    count(flows.numbers.size, 'number', 'numbers'),
    ...[
      [flows.ivrs.size, 'IVR', 'IVRs'],
      [flows.findmes.size, 'Find Me', 'Find Mes'],
      [flows.vrs.size, 'Virtual Receptionist', 'Virtual Receptionists'],
      [flows.voicemails.size, 'voicemail box', 'voicemail boxes'],
      [flows.postCallActions?.length ?? 0, 'post-call action', 'post-call actions'],
    ].flatMap(([n, one, many]) => (n === 0 ? [] : [count(n as number, one as string, many as string)])),
  ];
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/**
 * `--demo` without HOOKLINE_ADMIN_PASSWORD: a password for this run only, printed in the banner, so
 * that `npm start` gives a console one can log in to at once. The demo binds to 127.0.0.1 unless told
 * otherwise, and a password nobody chose beats a fixed one that everybody knows.
 */
export function demoPassword(): string {
  return randomBytes(12).toString('base64url');
}

export interface BannerInfo {
  settings: Settings;
  flows: Flows;
  sip: TelephonyServer;
  ttsName: string;
  httpPort: number;
  /** The console's password when it was made up for this run (--demo), else undefined or the setting. */
  consolePassword: string | undefined;
}

/** What `hookline serve` prints once it is up: where everything is, and how to try it. */
export function printBanner(out: (line: string) => void, b: BannerInfo): void {
  const { settings, flows, sip } = b;
  const host = settings.sipAdvertise ?? settings.sipHost;
  const port = sip.port('UDP');
  const web = `http://${settings.httpHost}:${b.httpPort}`;
  out(`hookline ${VERSION}: ${flowsSummary(flows)} from ${settings.flowsPath}`);
  out(`HTTP on ${web} (the console at /, the Administration API at /api/v1, /healthz, /metrics)`);
  if (settings.adminPassword) out(`Console: ${web}/ (user admin, password HOOKLINE_ADMIN_PASSWORD)`);
  else if (b.consolePassword) out(`Console: ${web}/ (user admin, password ${b.consolePassword} for this run; set HOOKLINE_ADMIN_PASSWORD to choose one)`);
  else out(`Console: ${web}/ (set HOOKLINE_ADMIN_PASSWORD, 8 characters or more, to log in)`);
  out(`SIP on ${host}:${port} (UDP and TCP), RTP ports ${settings.rtpPorts.min}-${settings.rtpPorts.max}, text-to-speech ${b.ttsName}`);
  out(sip.trunk ? `Outbound trunk: ${sip.trunk.describe()}` : 'No outbound trunk (HOOKLINE_TRUNK): Find Me and transfers will fail');
  out(`Calls taken from ${settings.sipAllow.join(', ')}${sip.trunk ? ' and the trunk' : ''} (HOOKLINE_SIP_ALLOW); others are refused`);
  for (const [number, ref] of flows.numbers) out(`  ${ref.kind}/${ref.id}: sip:${number}@${host}:${port}`);
  const first = flows.numbers.keys().next().value;
  if (first !== undefined) {
    // The README's recipe (examples/baresip): a phone that plays the prompts and sends the keys typed.
    out(`Call it: baresip -f examples/baresip/sound -e "/dial sip:${first}@${host}:${port}" and type keys (no sound card: examples/baresip/wav)`);
    out('  or dial a URI above from any SIP softphone (Linphone, MicroSIP, ...)');
  }
}
