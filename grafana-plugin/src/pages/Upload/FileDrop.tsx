import React, { useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Icon, useStyles2 } from '@grafana/ui';
import { testIds } from '../../components/testIds';

/** Props of {@link FileDrop}. */
export interface FileDropProps {
  onFiles: (files: File[]) => void;
}

/**
 * A drop zone for log files with a "Choose files" button, so that the keyboard reaches it too. Only the
 * `File` handles are passed on: nothing is read here.
 */
export function FileDrop({ onFiles }: FileDropProps) {
  const s = useStyles2(getStyles);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const hover = (e: React.DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  return (
    <div
      className={cx(s.zone, over && s.over)}
      onDragEnter={hover}
      onDragOver={hover}
      onDragLeave={(e) => {
        // Leaving for one of the zone's own children is not leaving the zone.
        if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) {
          setOver(false);
        }
      }}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        onFiles(Array.from(e.dataTransfer.files));
      }}
      data-testid={testIds.upload.dropzone}
    >
      <Icon name="upload" size="xxl" className={s.icon} />
      <div className={s.text}>Drop log files here: .log, .gz or any text file, as large as you like.</div>
      <Button icon="folder-open" onClick={() => input.current?.click()}>
        Choose files
      </Button>
      <input
        ref={input}
        type="file"
        multiple
        tabIndex={-1}
        aria-label="Log files to upload"
        className={s.input}
        data-testid={testIds.upload.fileInput}
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          // Choosing the same file again must fire a change too.
          e.currentTarget.value = '';
          onFiles(files);
        }}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  zone: css`
    display: flex;
    flex-direction: column;
    align-items: center;
    gap: ${theme.spacing(1.5)};
    padding: ${theme.spacing(4, 2)};
    border: 2px dashed ${theme.colors.border.medium};
    border-radius: ${theme.shape.radius.default};
    background: ${theme.colors.background.secondary};
    text-align: center;
  `,
  over: css`
    border-color: ${theme.colors.primary.border};
    background: ${theme.colors.action.hover};
  `,
  icon: css`
    color: ${theme.colors.text.secondary};
  `,
  text: css`
    color: ${theme.colors.text.secondary};
  `,
  input: css`
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
  `,
});
