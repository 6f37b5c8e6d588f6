import { act, render, screen } from '@testing-library/react';
import { Link, RouterProvider, match, navigate, useLocation } from './router';

function Where() {
  const { path, query } = useLocation();
  return <p>at {path} vm={query.get('vm') ?? '-'}</p>;
}

describe('router', () => {
  it('matches a path parameter', () => {
    expect(match('/runs/:id', '/runs/abc')).toEqual({ id: 'abc' });
    expect(match('/runs/:id', '/runs')).toBeNull();
    expect(match('/vms', '/jobs')).toBeNull();
  });

  it('follows the fragment, query included', async () => {
    window.location.hash = '';
    render(<RouterProvider><Where /><Link to="/vms">VMs</Link></RouterProvider>);
    expect(screen.getByText('at / vm=-')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'VMs' }).getAttribute('href')).toBe('#/vms');
    await act(async () => {
      navigate('/restore-points?vm=v1');
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(screen.getByText('at /restore-points vm=v1')).toBeTruthy();
  });
});
