package dev.zerocopy;

import java.util.SplittableRandom;

final class Bytes {

    private Bytes() {
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < size; i += 8) {
            long word = random.nextLong();
            for (int j = i; j < Math.min(size, i + 8); j++) {
                bytes[j] = (byte) word;
                word >>>= 8;
            }
        }
        return bytes;
    }

    static byte[] filled(int size, int value) {
        byte[] bytes = new byte[size];
        java.util.Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
