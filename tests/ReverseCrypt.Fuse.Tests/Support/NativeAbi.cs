using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace ReverseCrypt.Fuse.Tests.Support;

/// <summary>
/// The facts printed by <c>native/</c> (sizes, offsets and constants from the machine's kernel and C library
/// headers), built with make into a temporary directory and run once per test run. Lines are "name value";
/// "absent NAME" marks what the installed headers do not define.
/// </summary>
internal sealed partial class NativeAbi
{
    private static readonly Lazy<NativeAbi> s_instance = new(Build);

    private readonly Dictionary<string, decimal> _values;

    private NativeAbi(Dictionary<string, decimal> values, HashSet<string> absent)
    {
        _values = values;
        Absent = absent;
    }

    public static NativeAbi Instance => s_instance.Value;

    /// <summary>Names the headers lack ("absent" lines).</summary>
    public IReadOnlySet<string> Absent { get; }

    public IReadOnlyDictionary<string, decimal> Values => _values;

    public bool Has(string name) => _values.ContainsKey(name);

    public decimal this[string name] =>
        _values.TryGetValue(name, out decimal value)
            ? value
            : throw new KeyNotFoundException($"native/ prints no '{name}' (absent: {string.Join(", ", Absent)})");

    public static string SourceDirectory => Path.Combine(RepoRoot(), "native");

    /// <summary>The value of a C# constant or enum member as a number.</summary>
    public static decimal Number(object value) => value switch
    {
        Enum e => Convert.ToDecimal(Convert.ChangeType(e, Enum.GetUnderlyingType(e.GetType()), CultureInfo.InvariantCulture),
            CultureInfo.InvariantCulture),
        _ => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
    };

    /// <summary>A literal (const) field of <paramref name="type"/>, public or private.</summary>
    public static decimal Constant(Type type, string name)
    {
        FieldInfo field = type.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new MissingFieldException(type.FullName, name);
        return Number(field.GetRawConstantValue()!);
    }

    /// <summary>The constants of <paramref name="type"/> named like C macros (O_CREAT, SYS_io_uring_setup):
    /// an all-capitals prefix, then an underscore.</summary>
    public static IEnumerable<(string Name, decimal Value)> CStyleConstants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(f => f.IsLiteral && CStyleName().IsMatch(f.Name) && f.GetRawConstantValue() is not string)
            .Select(f => (f.Name, Number(f.GetRawConstantValue()!)));

    /// <summary>PascalCase to the C enumerator spelling: AtomicOTrunc -> ATOMIC_O_TRUNC, Rename2 -> RENAME2.</summary>
    public static string ScreamingSnake(string name) =>
        PascalBoundary().Replace(name, "_").ToUpperInvariant();

    /// <summary>Unsafe.SizeOf of a type given at run time (pointers: the pointer size).</summary>
    public static int ManagedSize(Type type) =>
        type.IsPointer
            ? IntPtr.Size
            : (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    public static int OffsetOf(Type type, string field) => (int)Marshal.OffsetOf(type, field);

    private static NativeAbi Build()
    {
        string build = Path.Combine(Path.GetTempPath(), $"reversecrypt-abi-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Tool.Result make = Tool.Run("make", ["-s", "-C", SourceDirectory, "BUILD=" + build], null, 120_000);
            if (make.ExitCode != 0)
            {
                throw new InvalidOperationException($"make in native/ failed (gcc, make and linux-libc-dev needed): {make}");
            }
            Tool.Result run = Tool.Run(Path.Combine(build, "abi"));
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"native/ abi failed: {run}");
            }
            return Parse(run.Stdout);
        }
        finally
        {
            if (Directory.Exists(build))
            {
                Directory.Delete(build, recursive: true);
            }
        }
    }

    private static NativeAbi Parse(string output)
    {
        var values = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var absent = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ');
            if (parts.Length != 2)
            {
                throw new FormatException($"native/ abi printed a malformed line: '{line}'");
            }
            if (parts[0] == "absent")
            {
                absent.Add(parts[1]);
            }
            else if (!values.TryAdd(parts[0], decimal.Parse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture)))
            {
                throw new FormatException($"native/ abi printed '{parts[0]}' twice");
            }
        }
        return new NativeAbi(values, absent);
    }

    private static string RepoRoot()
    {
        string? recorded = typeof(NativeAbi).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (recorded is not null && Directory.Exists(Path.Combine(recorded, "native")))
        {
            return recorded;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReverseCrypt.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ReverseCrypt.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*_")]
    private static partial Regex CStyleName();

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex PascalBoundary();
}
