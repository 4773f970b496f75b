/**
 * The routes: sign-in when nobody is signed in, else the frame with every area's screens the
 * caller's permissions allow (the server checks again on every request).
 */
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { HomePage } from '../pages/home/HomePage';
import { LoginPage } from '../pages/login/LoginPage';
import { areas } from '../pages/areas';
import { useAuth } from './auth';
import { Layout } from './Layout';
import { ErrorMessage, Loading } from './components/Status';

function NotFound() {
  const { t } = useTranslation();
  return <p role="alert">{t('notFound')}</p>;
}

function Guarded({ permission, children }: { permission: string; children: React.ReactNode }) {
  const { can } = useAuth();
  return can(permission) ? <>{children}</> : <NotFound />;
}

const router = createBrowserRouter([
  {
    path: '/',
    element: <Layout />,
    children: [
      { index: true, element: <HomePage /> },
      ...areas.flatMap((area) =>
        area.routes.map((route) => ({
          path: route.path,
          element: <Guarded permission={route.permission}>{route.element}</Guarded>,
        })),
      ),
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  const { me, loading } = useAuth();
  if (loading) return <Loading />;
  if (!me) return <LoginPage />;
  return <RouterProvider router={router} />;
}

export { ErrorMessage };
