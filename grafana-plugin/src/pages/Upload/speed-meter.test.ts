import { SpeedMeter } from './speed-meter';

describe('SpeedMeter', () => {
  test('averages over the last ten seconds and gives the time left', () => {
    let t = 0;
    const meter = new SpeedMeter(() => t);
    meter.add(0);
    expect(meter.speed()).toBeNull();
    expect(meter.eta(100)).toBeNull();
    for (let i = 1; i <= 20; i++) {
      t = i * 1000;
      // 1 kB/s for ten seconds, then 3 kB/s.
      meter.add(i <= 10 ? i * 1000 : 10_000 + (i - 10) * 3000);
    }
    expect(meter.speed()).toBe(3000);
    expect(meter.eta(6000)).toBe(2);
    meter.reset();
    expect(meter.speed()).toBeNull();
  });
});
