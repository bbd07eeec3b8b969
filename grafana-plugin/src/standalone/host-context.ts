import { createContext, useContext } from 'react';
import type { NavPage } from './plugin-app';

/** What the host's chrome and its PluginPage know: who is signed in, the app's pages, the theme. */
export interface HostState {
  tenant: string;
  pages: NavPage[];
  logoUrl: string;
  themeId: 'dark' | 'light';
  toggleTheme: () => void;
  signOut: () => void;
}

export const HostContext = createContext<HostState>({
  tenant: '',
  pages: [],
  logoUrl: '',
  themeId: 'dark',
  toggleTheme: () => {},
  signOut: () => {},
});

export function useHost(): HostState {
  return useContext(HostContext);
}
