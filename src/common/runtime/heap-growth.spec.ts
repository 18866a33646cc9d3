import { boundHeapGrowth } from './heap-growth.js';

describe('boundHeapGrowth', () => {
  it('should set the growth bound when node was started without one', () => {
    expect(boundHeapGrowth(['--enable-source-maps'])).toBe(true);
  });

  it.each([['--heap-growing-percent=300'], ['--heap_growing_percent=50']])(
    "should leave an operator's own %s alone",
    (flag) => {
      expect(boundHeapGrowth(['--enable-source-maps', flag])).toBe(false);
    },
  );

  it('should not mistake another flag for the growth bound', () => {
    expect(boundHeapGrowth(['--heap-growing-percentage-of-something'])).toBe(true);
  });
});
