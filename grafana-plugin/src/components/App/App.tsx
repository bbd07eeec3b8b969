import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';

const loadJobs = () => import('../../pages/Jobs');
const loadExplorer = () => import('../../pages/Explorer/Explorer');
const loadUpload = () => import('../../pages/Upload/Upload');
// The pages' chunks are small: they are fetched together as soon as the app is, instead of the page's only once the
// app has rendered (a round trip less before a page's first request). The lazy pages get the same promises.
void Promise.allSettled([loadJobs(), loadExplorer(), loadUpload()]);

const Jobs = React.lazy(loadJobs);
const Explorer = React.lazy(loadExplorer);
const Upload = React.lazy(loadUpload);

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
