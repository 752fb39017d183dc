import { formatTime } from '../clock';

/** How far ahead an expiring certificate is warned about (/readyz, the log). */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/** A certificate the gateway signs with: a department's (by member code), or the gateway's own root and log certificates (`_root`, `_log`: no member code has an underscore first). */
export interface SigningCertificate {
  member: string;
  serial: string;
  notAfter: Date;
}

export interface Expiry extends SigningCertificate {
  seconds: number;
}

/** Seconds until each certificate expires (negative once expired), as the gauge xgw_certificate_expiry_seconds{member} shows them. */
export const expiries = (certs: readonly SigningCertificate[], now: Date): Expiry[] =>
  certs.map((c) => ({ ...c, seconds: Math.floor((c.notAfter.getTime() - now.getTime()) / 1000) }));

/** The warnings for certificates that expire within EXPIRY_WARNING_DAYS (or have expired), with the one command that renews each. */
export function expiryWarnings(certs: readonly SigningCertificate[], now: Date): string[] {
  return expiries(certs, now)
    .filter((e) => e.seconds < EXPIRY_WARNING_DAYS * 86_400)
    .map((e) => {
      const what = e.member.startsWith('_') ? `the gateway's ${e.member.slice(1)} certificate` : `the signing certificate of ${e.member}`;
      const when = e.seconds < 0 ? `expired at ${formatTime(e.notAfter)}` : `expires at ${formatTime(e.notAfter)} (in ${Math.floor((e.seconds * 1000) / DAY_MS)} days)`;
      const fix = e.member.startsWith('_') ? 'renew it before then' : `rotate it: xgw certs rotate --member ${e.member}`;
      return `${what} (serial ${e.serial}) ${when}; ${fix}`;
    });
}
