import { createContext, useContext } from 'react';
import { ENGINE_PROXY_URL } from '../constants';
import { EngineApi } from './engine-api';

/** The engine the pages talk to: Grafana's plugin proxy by default; the standalone host provides its own. */
export const EngineApiContext = createContext<EngineApi>(new EngineApi({ baseUrl: ENGINE_PROXY_URL }));

export function useEngineApi(): EngineApi {
  return useContext(EngineApiContext);
}
