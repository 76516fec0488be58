// gocryptfs config JSON (docs/format.md section 3.2): read like Go's encoding/json (keys case-insensitive, unknown keys
// ignored, null = absent, integers only where Go has integer fields) and write exactly like gocryptfs
// (json.MarshalIndent with a tab, Go's key order and string escaping, one trailing newline).
using System.Text;
using System.Text.Json;

namespace ReverseCrypt.Format.Config;

public sealed partial class ConfFile
{
    /// <summary>The config exactly as gocryptfs writes it: tab indentation, key order of FORMAT 3.2, trailing newline.</summary>
    public byte[] Serialize()
    {
        var sb = new StringBuilder(512);
        sb.Append("{\n");
        sb.Append("\t\"Creator\": ").Append(GoString(Creator)).Append(",\n");
        sb.Append("\t\"EncryptedKey\": \"").Append(Convert.ToBase64String(_encryptedKey)).Append("\",\n");
        sb.Append("\t\"ScryptObject\": {\n");
        sb.Append("\t\t\"Salt\": \"").Append(Convert.ToBase64String(_salt)).Append("\",\n");
        sb.Append("\t\t\"N\": ").Append(ScryptN).Append(",\n");
        sb.Append("\t\t\"R\": ").Append(ScryptR).Append(",\n");
        sb.Append("\t\t\"P\": ").Append(ScryptP).Append(",\n");
        sb.Append("\t\t\"KeyLen\": ").Append(KeyLen).Append('\n');
        sb.Append("\t},\n");
        sb.Append("\t\"Version\": ").Append(Version).Append(",\n");
        sb.Append("\t\"FeatureFlags\": ");
        if (_featureFlags.Count == 0)
        {
            sb.Append("[]");
        }
        else
        {
            sb.Append("[\n");
            for (var i = 0; i < _featureFlags.Count; i++)
            {
                sb.Append("\t\t").Append(GoString(_featureFlags[i]));
                sb.Append(i + 1 < _featureFlags.Count ? ",\n" : "\n");
            }
            sb.Append("\t]");
        }
        if (_fido2 is { } fido2)
        {
            sb.Append(",\n\t\"FIDO2\": ");
            AppendGoJson(sb, fido2, 1);
        }
        if (LongNameMax != 0) sb.Append(",\n\t\"LongNameMax\": ").Append(LongNameMax);
        sb.Append("\n}\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private void ReadJson(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty) throw Error(ConfigErrorKind.InvalidJson, "file is empty");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new ConfigException(ConfigErrorKind.InvalidJson, $"config {SourceName}: invalid JSON: {OneLine(e.Message)}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Error(ConfigErrorKind.InvalidJson, "not a JSON object");
            foreach (var property in root.EnumerateObject())
            {
                var value = property.Value;
                if (value.ValueKind == JsonValueKind.Null) continue; // Go leaves the field unchanged.
                switch (property.Name)
                {
                    case var n when Is(n, "Creator"):
                        Creator = GetString(value, "Creator");
                        break;
                    case var n when Is(n, "EncryptedKey"):
                        _encryptedKey = GetBytes(value, "EncryptedKey");
                        break;
                    case var n when Is(n, "ScryptObject"):
                        ReadScryptObject(value);
                        break;
                    case var n when Is(n, "Version"):
                        Version = (int)GetInteger(value, "Version", 0, ushort.MaxValue);
                        break;
                    case var n when Is(n, "FeatureFlags"):
                        _featureFlags = ReadFlags(value);
                        break;
                    case var n when Is(n, "FIDO2"):
                        if (value.ValueKind != JsonValueKind.Object) throw Error(ConfigErrorKind.InvalidJson, "\"FIDO2\" must be an object");
                        _fido2 = value.Clone();
                        break;
                    case var n when Is(n, "LongNameMax"):
                        LongNameMax = (int)GetInteger(value, "LongNameMax", 0, byte.MaxValue);
                        break;
                    default:
                        break; // Unknown keys are ignored, like Go does.
                }
            }
        }
    }

    private void ReadScryptObject(JsonElement scrypt)
    {
        if (scrypt.ValueKind != JsonValueKind.Object) throw Error(ConfigErrorKind.InvalidJson, "\"ScryptObject\" must be an object");
        foreach (var property in scrypt.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null) continue;
            switch (property.Name)
            {
                case var n when Is(n, "Salt"):
                    _salt = GetBytes(value, "ScryptObject.Salt");
                    break;
                case var n when Is(n, "N"):
                    ScryptN = GetInteger(value, "ScryptObject.N", long.MinValue, long.MaxValue);
                    break;
                case var n when Is(n, "R"):
                    ScryptR = (int)GetInteger(value, "ScryptObject.R", int.MinValue, int.MaxValue);
                    break;
                case var n when Is(n, "P"):
                    ScryptP = (int)GetInteger(value, "ScryptObject.P", int.MinValue, int.MaxValue);
                    break;
                case var n when Is(n, "KeyLen"):
                    KeyLen = (int)GetInteger(value, "ScryptObject.KeyLen", int.MinValue, int.MaxValue);
                    break;
                default:
                    break;
            }
        }
    }

    private List<string> ReadFlags(JsonElement flags)
    {
        if (flags.ValueKind != JsonValueKind.Array) throw Error(ConfigErrorKind.InvalidJson, "\"FeatureFlags\" must be an array of strings");
        var list = new List<string>();
        foreach (var flag in flags.EnumerateArray())
        {
            if (flag.ValueKind != JsonValueKind.String)
                throw Error(ConfigErrorKind.InvalidJson, "\"FeatureFlags\" must be an array of strings");
            list.Add(flag.GetString()!);
        }
        return list;
    }

    private static bool Is(string name, string key) => string.Equals(name, key, StringComparison.OrdinalIgnoreCase);

    private string GetString(JsonElement value, string key)
    {
        if (value.ValueKind != JsonValueKind.String) throw Error(ConfigErrorKind.InvalidJson, $"\"{key}\" must be a string");
        return value.GetString()!;
    }

    private byte[] GetBytes(JsonElement value, string key)
    {
        var text = GetString(value, key);
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Error(ConfigErrorKind.InvalidJson, $"\"{key}\" is not valid base64");
        }
    }

    private long GetInteger(JsonElement value, string key, long min, long max)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || number < min || number > max)
            throw Error(ConfigErrorKind.InvalidJson, $"\"{key}\" must be an integer in {min}..{max}");
        return number;
    }

    /// <summary>Writes a JSON value the way Go's MarshalIndent(v, "", "\t") would (used for the opaque FIDO2 object).</summary>
    private static void AppendGoJson(StringBuilder sb, JsonElement value, int depth)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                {
                    var first = true;
                    foreach (var property in value.EnumerateObject())
                    {
                        sb.Append(first ? "{\n" : ",\n");
                        first = false;
                        sb.Append('\t', depth + 1).Append(GoString(property.Name)).Append(": ");
                        AppendGoJson(sb, property.Value, depth + 1);
                    }
                    if (first) sb.Append("{}");
                    else sb.Append('\n').Append('\t', depth).Append('}');
                    break;
                }
            case JsonValueKind.Array:
                {
                    var first = true;
                    foreach (var item in value.EnumerateArray())
                    {
                        sb.Append(first ? "[\n" : ",\n");
                        first = false;
                        sb.Append('\t', depth + 1);
                        AppendGoJson(sb, item, depth + 1);
                    }
                    if (first) sb.Append("[]");
                    else sb.Append('\n').Append('\t', depth).Append(']');
                    break;
                }
            case JsonValueKind.String:
                sb.Append(GoString(value.GetString()!));
                break;
            default:
                sb.Append(value.GetRawText());
                break;
        }
    }

    /// <summary>
    /// A JSON string literal as Go's encoding/json writes it: \" \\ \n \r \t, other control characters and
    /// &lt; &gt; &amp; U+2028 U+2029 as \u00xx / \u20xx, invalid UTF-16 (lone surrogates) as \ufffd, the rest verbatim.
    /// </summary>
    internal static string GoString(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        sb.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ' or '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append("\\ufffd");
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }
}
