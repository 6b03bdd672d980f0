import { describe, expect, it } from 'vitest';
import { Lanes } from '../../durable/graphql-ws/lanes';

describe('Lanes', () => {
  it("releases a slot at once when nothing is before it in its operation's lane", () => {
    const lanes = new Lanes<string, string>();
    const a = lanes.reserve('socket', 'op', 'first');
    expect(lanes.ready(a, 'payload').map((slot) => [slot.value, slot.payload])).toEqual([['first', 'payload']]);
    expect(lanes.pending).toBe(0);
  });

  it('holds a later event back until the earlier one of the same operation is ready, then releases both in order', () => {
    const lanes = new Lanes<string, number>();
    const [one, two, three] = [1, 2, 3].map((n) => lanes.reserve('socket', 'op', n));
    expect(lanes.ready(three!, 'c')).toEqual([]);
    expect(lanes.ready(two!, 'b')).toEqual([]);
    expect(lanes.ready(one!, 'a').map((slot) => slot.value)).toEqual([1, 2, 3]);
    expect(lanes.pending).toBe(0);
  });

  it('releases only up to the first place still waiting', () => {
    const lanes = new Lanes<string, number>();
    const [one, two, three] = [1, 2, 3].map((n) => lanes.reserve('socket', 'op', n));
    lanes.ready(three!, 'c');
    expect(lanes.ready(one!, 'a').map((slot) => slot.value)).toEqual([1]);
    expect(lanes.ready(two!, 'b').map((slot) => slot.value)).toEqual([2, 3]);
  });

  it('keeps lanes apart: another operation, or the same id on another socket, never waits', () => {
    const lanes = new Lanes<string, string>();
    const slow = lanes.reserve('s1', 'op', 'slow');
    const otherOperation = lanes.reserve('s1', 'other', 'fast');
    const otherSocket = lanes.reserve('s2', 'op', 'elsewhere');
    expect(lanes.ready(otherOperation, 'x').map((slot) => slot.value)).toEqual(['fast']);
    expect(lanes.ready(otherSocket, 'y').map((slot) => slot.value)).toEqual(['elsewhere']);
    expect(lanes.pending).toBe(1);
    expect(lanes.ready(slow, 'z').map((slot) => slot.value)).toEqual(['slow']);
  });

  it('starts a new lane after one empties, in reservation order again', () => {
    const lanes = new Lanes<string, number>();
    lanes.ready(lanes.reserve('socket', 'op', 1), 'a');
    const two = lanes.reserve('socket', 'op', 2);
    const three = lanes.reserve('socket', 'op', 3);
    expect(lanes.ready(three, 'c')).toEqual([]);
    expect(lanes.ready(two, 'b').map((slot) => slot.value)).toEqual([2, 3]);
  });

  it("releases nothing of a dropped socket's lanes, and forgets them", () => {
    const lanes = new Lanes<string, number>();
    const gone = lanes.reserve('closed', 'op', 1);
    const kept = lanes.reserve('open', 'op', 2);
    lanes.drop('closed');
    expect(lanes.pending).toBe(1);
    expect(lanes.ready(gone, 'a')).toEqual([]);
    expect(lanes.ready(kept, 'b').map((slot) => slot.value)).toEqual([2]);
    // A later reservation of the same socket (not expected, but harmless) gets a fresh lane.
    expect(lanes.ready(lanes.reserve('closed', 'op', 3), 'c').map((slot) => slot.value)).toEqual([3]);
  });
});
