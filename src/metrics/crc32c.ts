/**
 * CRC-32C (Castagnoli polynomial, reflected 0x82F63B78), the checksum of TFRecord framing, and TensorFlow's masked
 * form of it.
 *
 * Table-driven, one byte at a time. The npm packages that offer CRC-32C either ship native binaries per platform
 * (`@node-rs/crc32`) or pull in several runtime dependencies (`@aws-crypto/crc32c`); the algorithm is a few lines.
 */

/** The 256-entry lookup table, computed once at load and never written afterwards (a constant, not state). */
const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32C of `bytes`, as an unsigned 32-bit integer. `crc32c(utf8('123456789')) === 0xe3069283`.
 * @category Metrics
 */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * TensorFlow's masked CRC-32C (`tensorflow/core/lib/hash/crc32c.h`): rotate right by 15 bits, then add 0xa282ead8
 * modulo 2^32. TFRecord stores this instead of the raw CRC so that a CRC of data that itself contains CRCs stays
 * well distributed.
 * @category Metrics
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}
