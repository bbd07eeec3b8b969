import { describe, expect, it } from 'vitest';
import type { ParsedRecord } from '../parse/record.js';
import { normalizePath, RouteReader } from './route.js';

function record(categorical: Record<string, string>): ParsedRecord {
  return {
    timestamp: null,
    level: null,
    service: null,
    message: '',
    numeric: {},
    categorical,
    format: 'json',
  };
}

describe('normalizePath', () => {
  it('cuts the query string and replaces value segments', () => {
    expect(normalizePath('/api/v1/orders/ord-1161937/items?page=2')).toBe('/api/v1/orders/:id/items');
    expect(normalizePath('/users/42')).toBe('/users/:id');
    expect(normalizePath('/files/5f2b9c1e/x#top')).toBe('/files/:id/x');
    expect(normalizePath('/blobs/123e4567-e89b-12d3-a456-426614174000')).toBe('/blobs/:id');
    expect(normalizePath('/auth/oauth2/v10/s3')).toBe('/auth/oauth2/v10/s3');
    expect(normalizePath('/')).toBe('/');
    expect(normalizePath('/a/')).toBe('/a/');
  });

  it('keeps routes bounded', () => {
    expect(normalizePath(`/${'a'.repeat(500)}`).length).toBeLessThanOrEqual(160);
  });
});

describe('RouteReader', () => {
  const reader = RouteReader.fieldsOf([
    record({ method: 'GET', path: '/a' }),
    record({ 'http.route': '/b', 'http.method': 'POST' }),
    record({ url: 'https://shop.example.com/' }),
    record({ request_uri: '/c', path: 'relative/file.txt', user: 'alice' }),
  ]);

  it('learns the fields that held paths and methods, most common first', () => {
    expect(reader.pathFields).toEqual(['http.route', 'path', 'request_uri', 'url']);
    expect(reader.methodFields).toEqual(['http.method', 'method']);
  });

  it('reads the path and method of access logs and structured logs', () => {
    expect(reader.read(record({ method: 'GET', path: '/api/v1/users/17' }))).toBe('GET /api/v1/users/:id');
    expect(reader.read(record({ 'http.route': '/checkout', 'http.method': 'POST' }))).toBe('POST /checkout');
    expect(reader.read(record({ url: 'https://shop.example.com/cart/items/991?x=1' }))).toBe(
      '/cart/items/:id',
    );
    expect(reader.read(record({ request_uri: '/health' }))).toBe('/health');
  });

  it('gives null without a path-like field', () => {
    expect(reader.read(record({ user: 'alice', method: 'password' }))).toBeNull();
    expect(reader.read(record({ path: 'relative/file.txt' }))).toBeNull();
    expect(reader.read(record({}))).toBeNull();
  });

  it('ignores a method field that is no HTTP method', () => {
    expect(reader.read(record({ method: 'apple', path: '/login' }))).toBe('/login');
  });
});
