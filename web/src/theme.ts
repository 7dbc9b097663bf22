import { Store } from './store.ts';

/** Light or dark: follows the system (prefers-color-scheme) unless the user picks one; the choice is remembered. */
export type ThemeChoice = 'auto' | 'light' | 'dark';

const KEY = 'strata.theme';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

export const theme = new Store<ThemeChoice>(stored());

function apply(choice: ThemeChoice) {
  const root = document.documentElement;
  if (choice === 'auto') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

apply(theme.get());
theme.subscribe((choice) => {
  apply(choice);
  try {
    if (choice === 'auto') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // private mode: the choice lasts for this page only
  }
});

export function nextTheme(c: ThemeChoice): ThemeChoice {
  return c === 'auto' ? 'dark' : c === 'dark' ? 'light' : 'auto';
}
