package ai.aim.proxy.propagation;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The bytes that set {@code parameters["priority"]} of a serialized KServe v2 {@code
 * ModelInferRequest} when appended to it, without parsing the message.
 *
 * <p>{@code parameters} is field 4, a {@code map<string, InferParameter>}: on the wire a repeated
 * entry message (key = field 1, value = field 2), and a parser keeps the <em>last</em> entry of a
 * key. Appending one entry therefore overrides any priority the client set, and concatenated
 * protobuf messages merge, so the rest of the request is untouched. The value is {@code
 * InferParameter.int64_param} (field 2), the type Triton's schedule-policy extension reads.
 * Stateless; safe on any thread.
 */
public final class ProtoPriorityParameter {

  static final int PARAMETERS_FIELD = 4;
  static final int ENTRY_KEY = 1;
  static final int ENTRY_VALUE = 2;
  static final int INT64_PARAM = 2;
  static final String KEY = "priority";

  private ProtoPriorityParameter() {}

  /** The map entry to append for {@code value}. */
  public static byte[] entry(long value) {
    int param = CodedOutputStream.computeInt64Size(INT64_PARAM, value);
    int entry = CodedOutputStream.computeStringSize(ENTRY_KEY, KEY)
        + CodedOutputStream.computeTagSize(ENTRY_VALUE)
        + CodedOutputStream.computeUInt32SizeNoTag(param)
        + param;
    byte[] out = new byte[CodedOutputStream.computeTagSize(PARAMETERS_FIELD)
        + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      o.writeTag(PARAMETERS_FIELD, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
      o.writeUInt32NoTag(entry);
      o.writeString(ENTRY_KEY, KEY);
      o.writeTag(ENTRY_VALUE, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
      o.writeUInt32NoTag(param);
      o.writeInt64(INT64_PARAM, value);
      o.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
