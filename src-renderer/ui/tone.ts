/** The meaning a status colour carries; always paired with words or an icon. */
export type Tone = 'ok' | 'busy' | 'warn' | 'danger' | 'neutral';
