/** A phone keypad: twelve buttons, each sending its key. */
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const NAMES: Record<string, string> = { '*': 'star', '#': 'pound' };

export function Keypad({ onKey, disabled }: { onKey(key: string): void; disabled: boolean }) {
  return (
    <div class="keypad" role="group" aria-label="Keypad">
      {KEYS.map((k) => (
        <button key={k} type="button" disabled={disabled} aria-label={NAMES[k] ? `${k} (${NAMES[k]})` : k} onClick={() => onKey(k)}>
          {k}
        </button>
      ))}
    </div>
  );
}
