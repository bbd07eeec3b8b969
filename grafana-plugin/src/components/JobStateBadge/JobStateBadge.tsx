import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import type { Job } from '../../api/engine-api';

const STATE_COLORS: Record<Job['status'], BadgeColor> = {
  uploading: 'blue',
  pending: 'blue',
  processing: 'orange',
  completed: 'green',
  failed: 'red',
  cancelled: 'purple',
};

/** A job's state as a coloured badge, the same on every page. */
export function JobStateBadge({ status }: { status: Job['status'] }) {
  return <Badge text={status} color={STATE_COLORS[status]} />;
}
