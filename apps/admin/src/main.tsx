import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { EventDrawer } from './components/EventDrawer.tsx';
import { AuditLog } from './pages/AuditLog.tsx';
import { AcceptInvitation, Setup, SignIn } from './pages/Auth.tsx';
import { History } from './pages/History.tsx';
import { CrashPage, Home, Shell } from './pages/Shell.tsx';

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
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
