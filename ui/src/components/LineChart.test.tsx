import { render, screen } from '@testing-library/react';
import { bytes } from '../format';
import { LineChart } from './LineChart';

const at = (iso: string) => Date.parse(iso);

describe('LineChart', () => {
  it('draws a second series on the same scales, so used and logical compare at a glance', () => {
    const { container } = render(
      <LineChart title="Used" format={bytes}
        points={[{ at: at('2026-12-01T00:00:00Z'), value: 100 }, { at: at('2026-12-03T00:00:00Z'), value: 150 }]}
        also={{ title: 'Logical', points: [{ at: at('2026-12-01T00:00:00Z'), value: 100 }, { at: at('2026-12-03T00:00:00Z'), value: 300 }] }} />,
    );
    expect(screen.getByRole('img', { name: 'Used and Logical over time' })).toBeTruthy();
    expect(container.querySelector('figcaption')?.textContent).toBe('Used: latest 150 B, highest 150 B; Logical: latest 300 B');
    const [logical, used] = [...container.querySelectorAll('path')].map((p) => p.getAttribute('d')!);
    const lastY = (d: string) => Number(d.split(',').pop());
    // the highest value of either series sets the top: logical's 300 is drawn at the top, used's 150 halfway
    expect(lastY(logical)).toBe(6);
    expect(lastY(used)).toBe(45);
    expect(container.querySelectorAll('circle.dot.second')).toHaveLength(2);
  });

  it('still says there is no data when neither series has any', () => {
    render(<LineChart title="Used" format={bytes} points={[]} also={{ title: 'Logical', points: [] }} />);
    expect(screen.getByText('no data yet')).toBeTruthy();
  });
});
