import { avatarFileError, cropSquare } from './avatar-crop';
import { MAX_AVATAR_BYTES } from './account.service';

describe('avatar crop', () => {
  it('keeps the centred square, smaller as the zoom grows, clamped', () => {
    expect(cropSquare(400, 300, 1)).toEqual({ x: 50, y: 0, side: 300 });
    expect(cropSquare(400, 300, 2)).toEqual({ x: 125, y: 75, side: 150 });
    expect(cropSquare(300, 400, 0.5)).toEqual({ x: 0, y: 50, side: 300 });
    expect(cropSquare(10, 10, 100).side).toBeGreaterThanOrEqual(1);
  });

  it('refuses what is not a picture, or over 5 MiB, before reading it', () => {
    expect(avatarFileError({ type: 'image/png', size: 1000 }, MAX_AVATAR_BYTES)).toBeNull();
    expect(avatarFileError({ type: 'image/webp', size: MAX_AVATAR_BYTES }, MAX_AVATAR_BYTES)).toBeNull();
    expect(avatarFileError({ type: 'image/jpeg', size: MAX_AVATAR_BYTES + 1 }, MAX_AVATAR_BYTES)).toBe('profile.avatarTooBig');
    expect(avatarFileError({ type: 'image/svg+xml', size: 10 }, MAX_AVATAR_BYTES)).toBe('profile.avatarNotImage');
    expect(avatarFileError({ type: 'application/pdf', size: 10 }, MAX_AVATAR_BYTES)).toBe('profile.avatarNotImage');
  });
});
