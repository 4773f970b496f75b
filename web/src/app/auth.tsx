/**
 * Who is signed in, from GET /api/auth/me (the server decides; the browser only shows). Signing in
 * posts to /api/auth/login, which sets the http-only session cookie; signing out posts to
 * /api/auth/logout. `can(permission)` hides what the server would refuse anyway.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import { api, ApiError } from './api';

export type Role = 'administrator' | 'integration' | 'back_office' | 'manager' | 'consultant';

export interface Me {
  user: {
    login: string;
    displayName: string;
    role: Role;
    consultantCode: string | null;
    unitCode: string | null;
  };
  via: 'session' | 'token';
  permissions: string[];
  scope: 'all' | 'units' | 'consultant';
}

interface AuthState {
  me: Me | null;
  loading: boolean;
  can(permission: string): boolean;
  signIn(login: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await api.get<Me>('/api/auth/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
  const me = query.data ?? null;
  const state: AuthState = {
    me,
    loading: query.isLoading,
    can: (permission) => !!me && (permission === 'authenticated' || me.permissions.includes(permission)),
    async signIn(login, password) {
      await api.post('/api/auth/login', { login, password });
      const signedIn = await api.get<Me>('/api/auth/me');
      // Nothing read as someone else (or as nobody) is shown to this user.
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      client.setQueryData(['me'], signedIn);
    },
    async signOut() {
      await api.post('/api/auth/logout', {});
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      client.setQueryData(['me'], null);
    },
  };
  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}
