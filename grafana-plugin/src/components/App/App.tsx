import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';

const Jobs = React.lazy(() => import('../../pages/Jobs'));
const Explorer = React.lazy(() => import('../../pages/Explorer/Explorer'));
const Upload = React.lazy(() => import('../../pages/Upload/Upload'));

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={ROUTES.Upload} element={<Upload />} />
      <Route path={ROUTES.Jobs} element={<Jobs />} />
      <Route path={ROUTES.Explorer} element={<Explorer />} />
      {/* Default page */}
      <Route path="*" element={<Jobs />} />
    </Routes>
  );
}

export default App;
