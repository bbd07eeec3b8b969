import React, { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, useStyles2 } from '@grafana/ui';
import { useEngineApi } from '../../api/context';
import { testIds } from '../../components/testIds';
import { FileDrop } from './FileDrop';
import { fingerprintOf, sameFile } from './resume-store';
import { UploadOptionsForm } from './UploadOptionsForm';
import { UploadRow } from './UploadRow';
import { DEFAULT_OPTIONS, optionProblems, type UploadOptions } from './upload-options';
import { uploadQueueFor } from './upload-queue';

/**
 * Resumable log uploads to the engine: options, a drop zone, and every upload with its progress, its actions
 * and, once sent, its job. Unfinished uploads survive a reload and resume when their file is chosen again.
 */
export function Uploader() {
  const api = useEngineApi();
  const s = useStyles2(getStyles);
  const queue = useMemo(() => uploadQueueFor(api), [api]);
  const items = useSyncExternalStore(queue.subscribe, queue.getSnapshot);
  const [options, setOptions] = useState<UploadOptions>(DEFAULT_OPTIONS);
  const [notes, setNotes] = useState<string[]>([]);
  const [refused, setRefused] = useState<string | null>(null);
  const problems = optionProblems(options);
  const sending = items.some((i) => i.state === 'uploading' || i.state === 'retrying');

  useEffect(() => {
    queue.restore();
  }, [queue]);

  useEffect(() => {
    if (!sending) {
      return;
    }
    // Closing the tab stops the uploads (they can be resumed); the browser asks first.
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [sending]);

  const addFiles = (files: File[]) => {
    if (files.length === 0) {
      return;
    }
    const problem = Object.values(problems)[0];
    // Files that continue an earlier upload keep its options, so the form's do not matter to them.
    const resumable = files.every((f) =>
      items.some((i) => i.state === 'waiting_for_file' && sameFile(i, fingerprintOf(f)))
    );
    if (problem && !resumable) {
      setRefused(problem);
      return;
    }
    setRefused(null);
    setNotes(queue.add(files, options));
  };

  const waiting = items.filter((i) => i.state === 'waiting_for_file');
  return (
    <div className={s.page} data-testid={testIds.upload.container}>
      <p className={s.intro}>
        Files are sent in chunks with a checksum each. A dropped connection is resumed where it stopped; after a reload,
        choose the same file again to continue its upload. Analysis starts while the file is still arriving.
      </p>
      <UploadOptionsForm value={options} onChange={setOptions} problems={problems} />
      <FileDrop onFiles={addFiles} />
      {refused && (
        <Alert severity="error" title="Fix the options before adding files" onRemove={() => setRefused(null)}>
          {refused}
        </Alert>
      )}
      {notes.length > 0 && (
        <Alert severity="info" title="" onRemove={() => setNotes([])}>
          {notes.map((n) => (
            <div key={n}>{n}</div>
          ))}
        </Alert>
      )}
      {waiting.length > 0 && (
        <Alert severity="warning" title="Unfinished uploads">
          {waiting.length === 1 ? 'One upload was' : `${waiting.length} uploads were`} interrupted before the engine had
          the whole file. Choose or drop the same file again to continue where it stopped.
        </Alert>
      )}
      {items.length > 0 && (
        <section aria-label="Uploads">
          <h3 className={s.heading}>Uploads</h3>
          <ul className={s.list} data-testid={testIds.upload.list}>
            {items.map((item) => (
              <UploadRow key={item.id} item={item} queue={queue} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function Upload() {
  return (
    <PluginPage>
      <Uploader />
    </PluginPage>
  );
}

export default Upload;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css`
    max-width: 1100px;
    display: flex;
    flex-direction: column;
    gap: ${theme.spacing(2)};
  `,
  intro: css`
    color: ${theme.colors.text.secondary};
    margin: 0;
  `,
  heading: css`
    margin-top: ${theme.spacing(1)};
  `,
  list: css`
    padding: 0;
    margin: 0;
  `,
});
