import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { EventDrawer } from './components/EventDrawer.tsx';
import { AuditLog } from './pages/AuditLog.tsx';
import { AcceptInvitation, Setup, SignIn } from './pages/Auth.tsx';
import { History } from './pages/History.tsx';
import { CrashPage, Home, Shell } from './pages/Shell.tsx';

const settings = () => import('./pages/Settings.tsx');

const router = createBrowserRouter([
  { path: '/sign-in', element: <SignIn /> },
  { path: '/setup', element: <Setup /> },
  { path: '/invite', element: <AcceptInvitation /> },
  {
    path: '/',
    element: <Shell />,
    errorElement: <CrashPage />,
    children: [
      { index: true, element: <Home /> },
      { path: 'events', element: <AuditLog />, children: [{ path: ':id', element: <EventDrawer /> }] },
      { path: 'history', element: <History /> },
      { path: 'streams', lazy: async () => ({ Component: (await import('./pages/Streams.tsx')).default }) },
      {
        path: 'checkpoints',
        lazy: async () => ({ Component: (await import('./pages/Checkpoints.tsx')).default }),
      },
      { path: 'exports', lazy: async () => ({ Component: (await import('./pages/Exports.tsx')).default }) },
      // Settings is its own chunk: most visits never open it, so the first page load stays small.
      {
        path: 'settings',
        lazy: async () => ({ Component: (await settings()).default }),
        children: [
          { index: true, lazy: async () => ({ Component: (await settings()).SettingsHome }) },
          { path: 'account', lazy: async () => ({ Component: (await settings()).AccountSettings }) },
          { path: 'members', lazy: async () => ({ Component: (await settings()).MemberSettings }) },
          { path: 'api-keys', lazy: async () => ({ Component: (await settings()).ApiKeySettings }) },
          { path: 'sources/:source?', lazy: async () => ({ Component: (await settings()).SourceSettings }) },
        ],
      },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
