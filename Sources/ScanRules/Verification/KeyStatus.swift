/// Status of a key registry entry (spec §4): `active` keys verify codes;
/// codes under a `revoked` key get the verdict `revoked_key` (spec §5 rule 3).
public enum KeyStatus: String, Sendable {
    case active
    case revoked
}
