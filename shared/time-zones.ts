/** Whether this runtime knows `timeZone` as an IANA zone (e.g. America/New_York). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
